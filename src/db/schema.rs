// Table definitions for diesel, kept in step with `migrations/` by hand: the same
// columns `diesel print-schema` would produce for the portable SQL there.

diesel::table! {
    teams (id) {
        id -> Text,
        name -> Text,
        parent_id -> Nullable<Text>,
        kind -> Text,
        team_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        email -> Nullable<Text>,
        name -> Text,
        team_id -> Nullable<Text>,
        is_hr -> Bool,
        is_admin -> Bool,
        location -> Nullable<Text>,
        job_family -> Nullable<Text>,
        start_date -> Nullable<Date>,
        language -> Text,
        password_hash -> Nullable<Text>,
        token_version -> Integer,
        active -> Bool,
        activation_hash -> Nullable<Text>,
        activation_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
        name_key -> Nullable<Text>,
        reminders_off -> Bool,
        external_id -> Nullable<Text>,
        phone -> Nullable<Text>,
        employee_number -> Nullable<Text>,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    team_managers (team_id, person_id) {
        team_id -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    team_serves (team_id, served_team_id) {
        team_id -> Text,
        served_team_id -> Text,
        weight -> Double,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(people -> teams (team_id));
diesel::joinable!(team_managers -> teams (team_id));
diesel::joinable!(team_managers -> people (person_id));

diesel::table! {
    surveys (id) {
        id -> Text,
        title -> Text,
        cuts -> Text,
        starts_on -> Date,
        cadence -> Text,
        window_days -> Integer,
        ends_on -> Nullable<Date>,
        min_group -> Integer,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reminders -> Integer,
        title_ru -> Text,
    }
}

diesel::table! {
    survey_audience (survey_id, team_id) {
        survey_id -> Text,
        team_id -> Text,
    }
}

diesel::table! {
    survey_questions (id) {
        id -> Text,
        survey_id -> Text,
        position -> Integer,
        kind -> Text,
        driver -> Text,
        required -> Bool,
        bank_item -> Nullable<Text>,
        text_en -> Text,
        text_ru -> Text,
        options -> Nullable<Text>,
        options_ru -> Nullable<Text>,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        survey_id -> Text,
        sequence -> Integer,
        slot -> Nullable<Integer>,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        closed_early_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        materialised_at -> Nullable<Timestamp>,
        answers_purged_at -> Nullable<Timestamp>,
        comments_purged_at -> Nullable<Timestamp>,
        reminders_queued -> Integer,
        results_announced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    round_invitees (round_id, person_id) {
        round_id -> Text,
        person_id -> Text,
        team_id -> Text,
        location -> Nullable<Text>,
        job_family -> Nullable<Text>,
        tenure -> Nullable<Text>,
    }
}

// The anonymous tables, created by `db::anonymous`: no user id, no time, no sequence.
diesel::table! {
    responses (id) {
        id -> Text,
        round_id -> Text,
        team_id -> Text,
        location -> Nullable<Text>,
        job_family -> Nullable<Text>,
        tenure -> Nullable<Text>,
    }
}

diesel::table! {
    answers (response_id, question_id) {
        response_id -> Text,
        question_id -> Text,
        value -> Nullable<Double>,
        choice -> Nullable<Text>,
        text -> Nullable<Text>,
    }
}

diesel::table! {
    round_reach (round_id, team_id) {
        round_id -> Text,
        team_id -> Text,
        reachable -> BigInt,
    }
}

diesel::table! {
    round_releases (round_id) {
        round_id -> Text,
        shape -> Text,
        nodes -> BigInt,
        cols -> BigInt,
        released -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    round_teams (round_id, team_id) {
        round_id -> Text,
        team_id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
    }
}

diesel::table! {
    ballots (id) {
        id -> Text,
        round_id -> Text,
        sealed -> Binary,
    }
}

diesel::table! {
    participation (round_id, person_id) {
        round_id -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    suggestions (id) {
        id -> Text,
        team_id -> Nullable<Text>,
        author_id -> Nullable<Text>,
        title -> Text,
        body -> Text,
        touchpoint -> Text,
        customer_segment -> Nullable<Text>,
        anonymous -> Bool,
        status -> Text,
        votes -> Integer,
        created_on -> Date,
        created_at -> Nullable<Timestamp>,
        followup_hash -> Nullable<Text>,
    }
}

diesel::table! {
    suggestion_votes (suggestion_id, voter_hash) {
        suggestion_id -> Text,
        voter_hash -> Text,
    }
}

diesel::table! {
    suggestion_events (id) {
        id -> Text,
        suggestion_id -> Text,
        from_status -> Text,
        to_status -> Text,
        reply -> Text,
        replied_by -> Text,
        replied_on -> Date,
        replied_at -> Timestamp,
    }
}

diesel::table! {
    cx_ratings (id) {
        id -> Text,
        external_id -> Text,
        team_id -> Text,
        metric -> Text,
        score -> Double,
        occurred_on -> Date,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    retention_settings (id) {
        id -> Integer,
        suggestions_months -> Nullable<Integer>,
        cx_months -> Nullable<Integer>,
        updated_at -> Timestamp,
        answers_months -> Nullable<Integer>,
        comments_months -> Nullable<Integer>,
        audit_months -> Nullable<Integer>,
    }
}

diesel::table! {
    conversations (id) {
        id -> Text,
        code_hash -> Text,
        round_id -> Nullable<Text>,
        response_id -> Nullable<Text>,
        question_id -> Nullable<Text>,
        suggestion_id -> Nullable<Text>,
        closed_by -> Nullable<Text>,
        closed_on -> Nullable<Date>,
    }
}

diesel::table! {
    conversation_messages (conversation_id, seq) {
        conversation_id -> Text,
        seq -> Integer,
        side -> Text,
        body -> Text,
        written_on -> Date,
        replies_before -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    teams,
    people,
    team_managers,
    team_serves,
    revoked_tokens,
    surveys,
    survey_audience,
    survey_questions,
    rounds,
    round_invitees,
    responses,
    answers,
    participation,
    ballots,
    round_teams,
    round_reach,
    round_releases,
    audit_log,
    suggestions,
    suggestion_votes,
    suggestion_events,
    conversations,
    conversation_messages,
    cx_ratings,
    retention_settings,
    outbox,
    pulse_links,
    actions,
    action_updates,
    scim_tokens,
    scim_deleted,
    scim_deactivations,
    scim_held,
    scim_releases,
);

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Text,
        action -> Text,
        target -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        person_id -> Text,
        language -> Text,
        payload -> Text,
        idempotency_key -> Text,
        status -> Text,
        tries -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pulse_links (token_hash) {
        token_hash -> Text,
        round_id -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    actions (id) {
        id -> Text,
        team_id -> Nullable<Text>,
        driver -> Nullable<Text>,
        theme -> Nullable<Text>,
        suggestion_id -> Nullable<Text>,
        title -> Text,
        description -> Text,
        owner_id -> Nullable<Text>,
        due_on -> Date,
        status -> Text,
        closed_on -> Nullable<Date>,
        closed_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    action_updates (id) {
        id -> Text,
        action_id -> Text,
        body -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        author_id -> Text,
        created_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        person_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    oidc_logins (state_hash) {
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        next_path -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(identities -> people (person_id));

diesel::allow_tables_to_appear_in_same_query!(identities, people);

diesel::table! {
    hooks (id) {
        id -> Text,
        kind -> Text,
        url -> Text,
        events -> Text,
        team_id -> Nullable<Text>,
        language -> Text,
        secret -> Nullable<Text>,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hook_deliveries (id) {
        id -> Text,
        hook_id -> Text,
        event -> Text,
        payload -> Text,
        idempotency_key -> Text,
        status -> Text,
        tries -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        response_status -> Nullable<Integer>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(hook_deliveries -> hooks (hook_id));
diesel::allow_tables_to_appear_in_same_query!(hooks, hook_deliveries, teams);

diesel::table! {
    scim_tokens (id) {
        id -> Text,
        name -> Text,
        token_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scim_deleted (person_id) {
        person_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    scim_deactivations (id) {
        id -> Text,
        person_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    scim_held (person_id) {
        person_id -> Text,
        token_id -> Text,
        delete_after -> Bool,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    scim_releases (id) {
        id -> Text,
        confirmed_by -> Text,
        confirmed_at -> Timestamp,
        until -> Timestamp,
    }
}

diesel::table! {
    kiosk_codes (code_hash) {
        code_hash -> Text,
        round_id -> Text,
        team_id -> Text,
        used -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(kiosk_codes, round_invitees);
diesel::allow_tables_to_appear_in_same_query!(kiosk_codes, teams);
diesel::allow_tables_to_appear_in_same_query!(kiosk_codes, rounds);
