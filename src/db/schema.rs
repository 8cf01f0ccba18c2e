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
        email -> Text,
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

diesel::allow_tables_to_appear_in_same_query!(
    teams,
    people,
    team_managers,
    team_serves,
    revoked_tokens
);
