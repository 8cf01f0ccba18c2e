//! Page texts in English and Russian. A text is looked up by its English wording; the
//! Russian table below gives its translation. A unit test reads the page sources and
//! fails if any `t(..)` text has no Russian entry.

use crate::error::Msg;
use crate::org::domain::Language;
use crate::plural;

/// `en` in the page's language.
pub fn t(lang: Language, en: &'static str) -> &'static str {
    match lang {
        Language::En => en,
        Language::Ru => ru(en).unwrap_or(en),
    }
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(lang: Language, en: &'static str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, en).to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A text about `n` things, in its English forms for one and for other counts (e.g.
/// `"{n} suggestion"`, `"{n} suggestions"`), in the page's language: the form is picked by
/// the language's CLDR plural rules ([`plural`]), `{n}` is filled with `n` and the other
/// placeholders with `args`. The Russian forms are in [`RU_PLURAL`], keyed by `other`.
pub fn tn(
    lang: Language,
    one: &'static str,
    other: &'static str,
    n: u64,
    args: &[(&str, &str)],
) -> String {
    let template = match (lang, ru_plural(other)) {
        (Language::Ru, Some(forms)) => plural::russian(n, forms),
        _ => plural::english(n, one, other),
    };
    let mut s = template.replace("{n}", &n.to_string());
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// An API message (an error's `detail`, a field or row error) in the page's language:
/// its template is looked up in the Russian message table and its values filled in.
/// A message without an entry (e.g. a parser's own words) stays in English.
pub fn msg(lang: Language, m: &Msg) -> String {
    match lang {
        Language::En => m.to_string(),
        Language::Ru => {
            let ru = match m.count() {
                Some(n) => ru_plural(m.key()).map(|forms| plural::russian(n, forms)),
                None => ru_msg(m.key()),
            };
            match ru {
                Some(ru) => m.fill_translated(ru, ru_term),
                None => m.to_string(),
            }
        }
    }
}

/// Russian words for the API's fixed terms that messages name (cadences, statuses).
fn ru_term(en: &str) -> Option<&'static str> {
    const TERMS: &[(&str, &str)] = &[
        ("once", "однократно"),
        ("weekly", "раз в неделю"),
        ("biweekly", "раз в две недели"),
        ("monthly", "раз в месяц"),
        ("quarterly", "раз в квартал"),
        ("new", "новое"),
        ("acknowledged", "принято"),
        ("in_progress", "в работе"),
        ("done", "сделано"),
        ("declined", "отклонено"),
        ("planned", "запланировано"),
        ("dropped", "отменено"),
    ];
    TERMS.iter().find(|(e, _)| *e == en).map(|(_, r)| *r)
}

fn ru_msg(en: &str) -> Option<&'static str> {
    RU_MSG.iter().find(|(e, _)| *e == en).map(|(_, r)| *r)
}

fn ru_plural(en: &str) -> Option<&'static [&'static str; 4]> {
    RU_PLURAL.iter().find(|(e, _)| *e == en).map(|(_, r)| r)
}

/// Russian forms of the texts and API messages with a count, keyed by the English
/// `other` form: `[one, few, many, other]` by the CLDR categories (`other` is only for
/// fractions). Used by [`tn`] and, for `Msg::plural`, by [`msg`].
const RU_PLURAL: &[(&str, [&str; 4])] = &[
    (
        "{n} active",
        [
            "выбрано: {n}",
            "выбрано: {n}",
            "выбрано: {n}",
            "выбрано: {n}",
        ],
    ),
    // pages
    (
        "{n} one-time codes. Print this page and cut it into slips; these codes are not shown again.",
        [
            "{n} одноразовый код. Напечатайте страницу и разрежьте её на карточки; эти коды больше не будут показаны.",
            "{n} одноразовых кода. Напечатайте страницу и разрежьте её на карточки; эти коды больше не будут показаны.",
            "{n} одноразовых кодов. Напечатайте страницу и разрежьте её на карточки; эти коды больше не будут показаны.",
            "{n} одноразового кода. Напечатайте страницу и разрежьте её на карточки; эти коды больше не будут показаны.",
        ],
    ),
    (
        "{n} pulse openings wait for an SMS gateway (PULSELINE_SMS_URL): their recipients have only a phone number.",
        [
            "{n} сообщение об открытии опроса ждёт SMS-шлюза (PULSELINE_SMS_URL): у получателя есть только телефон.",
            "{n} сообщения об открытии опроса ждут SMS-шлюза (PULSELINE_SMS_URL): у получателей есть только телефон.",
            "{n} сообщений об открытии опроса ждут SMS-шлюза (PULSELINE_SMS_URL): у получателей есть только телефон.",
            "{n} сообщения об открытии опроса ждут SMS-шлюза (PULSELINE_SMS_URL): у получателей есть только телефон.",
        ],
    ),
    (
        "{n} messages",
        [
            "{n} сообщение",
            "{n} сообщения",
            "{n} сообщений",
            "{n} сообщения",
        ],
    ),
    (
        "Only {n} team-periods have both engagement and customer scores: too few for a conclusion (at least 10 are needed).",
        [
            "Точек (команда × период), где есть и вовлечённость, и клиентские оценки: {n} — для вывода мало (нужно не меньше 10).",
            "Точек (команда × период), где есть и вовлечённость, и клиентские оценки: {n} — для вывода мало (нужно не меньше 10).",
            "Точек (команда × период), где есть и вовлечённость, и клиентские оценки: {n} — для вывода мало (нужно не меньше 10).",
            "Точек (команда × период), где есть и вовлечённость, и клиентские оценки: {n} — для вывода мало (нужно не меньше 10).",
        ],
    ),
    (
        "{n} comments",
        [
            "{n} комментарий",
            "{n} комментария",
            "{n} комментариев",
            "{n} комментария",
        ],
    ),
    (
        "{n} actions",
        [
            "{n} действие",
            "{n} действия",
            "{n} действий",
            "{n} действия",
        ],
    ),
    (
        "{n} questions",
        ["{n} вопрос", "{n} вопроса", "{n} вопросов", "{n} вопроса"],
    ),
    (
        "{n} reminders per round",
        [
            "{n} напоминание за раунд",
            "{n} напоминания за раунд",
            "{n} напоминаний за раунд",
            "{n} напоминания за раунд",
        ],
    ),
    (
        "{n} suggestions",
        [
            "{n} предложение",
            "{n} предложения",
            "{n} предложений",
            "{n} предложения",
        ],
    ),
    (
        "{n} votes",
        ["{n} голос", "{n} голоса", "{n} голосов", "{n} голоса"],
    ),
    (
        "The link is strongest when customer scores are taken {n} periods after engagement (r = {r}).",
        [
            "Связь сильнее всего, когда клиентские оценки берутся через {n} период после вовлечённости (r = {r}).",
            "Связь сильнее всего, когда клиентские оценки берутся через {n} периода после вовлечённости (r = {r}).",
            "Связь сильнее всего, когда клиентские оценки берутся через {n} периодов после вовлечённости (r = {r}).",
            "Связь сильнее всего, когда клиентские оценки берутся через {n} периода после вовлечённости (r = {r}).",
        ],
    ),
    // API messages
    (
        "{n} invalid items",
        [
            "{n} ошибка в данных",
            "{n} ошибки в данных",
            "{n} ошибок в данных",
            "{n} ошибки в данных",
        ],
    ),
    (
        "the team has {n} child teams: move or delete them first",
        [
            "у команды {n} дочерняя команда: сначала перенесите или удалите её",
            "у команды {n} дочерние команды: сначала перенесите или удалите их",
            "у команды {n} дочерних команд: сначала перенесите или удалите их",
            "у команды {n} дочерней команды: сначала перенесите или удалите их",
        ],
    ),
    (
        "{n} people belong to the team: move them to another team first",
        [
            "в команде {n} сотрудник: сначала переведите его в другую команду",
            "в команде {n} сотрудника: сначала переведите их в другую команду",
            "в команде {n} сотрудников: сначала переведите их в другую команду",
            "в команде {n} сотрудника: сначала переведите их в другую команду",
        ],
    ),
    (
        "{n} migrations pending, the newest {newest}; apply them with `pulseline migrate`",
        [
            "ожидает применения {n} миграция, {newest}; примените её командой `pulseline migrate`",
            "ожидают применения {n} миграции, последняя {newest}; примените их командой `pulseline migrate`",
            "ожидают применения {n} миграций, последняя {newest}; примените их командой `pulseline migrate`",
            "ожидают применения {n} миграции, последняя {newest}; примените их командой `pulseline migrate`",
        ],
    ),
    (
        "It invites {n} people",
        [
            "Будет приглашён {n} человек",
            "Будут приглашены {n} человека",
            "Будут приглашены {n} человек",
            "Будут приглашены {n} человека",
        ],
    ),
    (
        "{n} people in common",
        [
            "{n} человек в обоих",
            "{n} человека в обоих",
            "{n} человек в обоих",
            "{n} человека в обоих",
        ],
    ),
    (
        "Closing it now ends it for everyone: whoever of the {n} people invited has not answered can no longer answer. The answers are then opened and the reports released; this cannot be undone.",
        [
            "Закрытие сейчас завершает раунд для всех: кто из {n} приглашённого не ответил, ответить уже не сможет. Затем ответы вскрываются, а отчёты публикуются; отменить это нельзя.",
            "Закрытие сейчас завершает раунд для всех: кто из {n} приглашённых не ответил, ответить уже не сможет. Затем ответы вскрываются, а отчёты публикуются; отменить это нельзя.",
            "Закрытие сейчас завершает раунд для всех: кто из {n} приглашённых не ответил, ответить уже не сможет. Затем ответы вскрываются, а отчёты публикуются; отменить это нельзя.",
            "Закрытие сейчас завершает раунд для всех: кто из {n} приглашённых не ответил, ответить уже не сможет. Затем ответы вскрываются, а отчёты публикуются; отменить это нельзя.",
        ],
    ),
];

fn ru(en: &str) -> Option<&'static str> {
    RU.iter().find(|(e, _)| *e == en).map(|(_, r)| *r)
}

const RU: &[(&str, &str)] = &[
    ("Settings", "Настройки"),
    ("Time zone", "Часовой пояс"),
    ("Show times in", "Показывать время в поясе"),
    ("The organisation's ({zone})", "Пояс организации ({zone})"),
    ("Now: {time}.", "Сейчас: {time}."),
    ("Answer with a code", "Ответить по коду"),
    (
        "Type the code on the slip you were given, or scan its QR code. Each code answers once; your answers are anonymous and the code says nothing about who you are.",
        "Введите код с выданной вам карточки или отсканируйте его QR-код. Каждый код действует один раз; ответы анонимны, и код ничего не говорит о том, кто вы.",
    ),
    ("Code", "Код"),
    (
        "This code is not valid. Check it and try again.",
        "Такого кода нет. Проверьте его и попробуйте ещё раз.",
    ),
    (
        "This code has already been used.",
        "Этот код уже использован.",
    ),
    ("Answer with another code", "Ответить по другому коду"),
    ("Kiosk codes for “{title}”", "Коды для киоска: «{title}»"),
    (
        "People with neither an e-mail address nor a phone number get no message. Print a sheet of one-time codes for their team and hand the codes out at random, one each: a code answers this round once, for that team, and names nobody.",
        "Люди без адреса электронной почты и телефона не получают сообщений. Напечатайте для их команды лист одноразовых кодов и раздайте коды случайным образом, по одному: код один раз отвечает на этот раунд за эту команду и никого не называет.",
    ),
    (
        "Hand codes out at random: if you know which code went to whom, you could tell that person's answers apart.",
        "Раздавайте коды случайным образом: зная, какой код у кого, можно отличить ответы этого человека.",
    ),
    (
        "Everyone invited in your teams can be reached by e-mail or text message: no codes are needed.",
        "До всех приглашённых в ваших командах доходят письма или SMS: коды не нужны.",
    ),
    ("Codes", "Коды"),
    ("Print a sheet", "Напечатать лист"),
    (
        "Printing again replaces the codes of the earlier sheet that were not used.",
        "Новая печать заменяет неиспользованные коды прежнего листа.",
    ),
    ("{team}: codes for “{title}”", "{team}: коды для «{title}»"),
    ("QR code of {code}", "QR-код для {code}"),
    (
        "Scan, or type the code at {link}. Open until {date}.",
        "Отсканируйте или введите код на {link}. Открыт до {date}.",
    ),
    (
        "Kiosk codes for people without e-mail or phone",
        "Коды для киоска: для тех, у кого нет почты и телефона",
    ),
    ("Outbox", "Исходящие"),
    (
        "Every message the server queued: invitations, pulse openings, results and actions, by e-mail (pulse openings by text message to people with only a phone number). A message that cannot be delivered is tried a few times, then marked as not delivered; it can be sent again here. Reminders are not listed: who gets one is who has not answered.",
        "Все сообщения, которые сервер поставил в очередь: приглашения, открытие опросов, результаты и действия, по электронной почте (об открытии опроса — SMS тем, у кого есть только телефон). Сообщение, которое не удаётся доставить, отправляется ещё несколько раз, затем помечается как недоставленное; здесь его можно отправить снова. Напоминаний в списке нет: их получают те, кто ещё не ответил.",
    ),
    (
        "No SMTP server is configured: messages stay in the queue until one is.",
        "SMTP-сервер не настроен: письма остаются в очереди, пока он не появится.",
    ),
    (
        "The message is queued to be sent again.",
        "Письмо снова поставлено в очередь на отправку.",
    ),
    ("Message", "Письмо"),
    ("Recipient", "Получатель"),
    ("Send again", "Отправить снова"),
    ("Newer messages", "Более новые письма"),
    ("Older messages", "Более ранние письма"),
    (
        "Invitation to activate",
        "Приглашение активировать учётную запись",
    ),
    ("A pulse opened", "Открыт опрос"),
    ("Results ready", "Готовы результаты"),
    ("A new action", "Новое действие"),
    ("An action is due", "Срок действия подходит"),
    ("A reply to a suggestion", "Ответ на предложение"),
    ("No message yet", "Писем ещё не было"),
    ("Messages", "Письма"),
    ("Waiting to be sent", "Ждёт отправки"),
    ("Delivered on {date}", "Доставлено {date}"),
    (
        "Could not be delivered ({date})",
        "Не удалось доставить ({date})",
    ),
    // Conversations (/conversations, /comment-threads).
    ("Conversations", "Переписки"),
    ("Open its conversations", "Открыть переписки"),
    (
        "Read and answer the replies with it on the conversations page.",
        "С ним можно читать ответы и отвечать на странице переписок.",
    ),
    (
        "The code is remembered on this device. Its conversations open here once the pulse has closed.",
        "Код сохранён на этом устройстве. Переписки по нему откроются здесь после закрытия опроса.",
    ),
    ("Reply to the author", "Ответить автору"),
    (
        "Allow replies to my comments",
        "Разрешить ответы на мои комментарии",
    ),
    (
        "You get a conversation code, shown once. With it, and only with it, you read your manager's or HR's replies and answer back, without your name. Nobody can link the code to you.",
        "Вы получите код переписки — он показывается один раз. По нему, и только по нему, вы читаете ответы руководителя или HR и отвечаете им без своего имени. Никто не может связать код с вами.",
    ),
    ("Your conversation code", "Ваш код переписки"),
    (
        "Keep this code: it is shown only now and it is the only way to read replies to your comments. Replies can come once the pulse has closed, if your group's comments are shown.",
        "Сохраните этот код: он показывается только сейчас, и только по нему можно прочитать ответы на ваши комментарии. Ответы возможны после закрытия опроса, если комментарии вашей группы показываются.",
    ),
    ("Copy", "Копировать"),
    ("Remember it on this device", "Запомнить на этом устройстве"),
    ("You", "Вы"),
    ("The author", "Автор"),
    ("Your manager", "Ваш руководитель"),
    ("A manager", "Руководитель"),
    ("HR", "HR"),
    ("No message yet.", "Сообщений пока нет."),
    ("This conversation is closed.", "Переписка закрыта."),
    ("Your message", "Ваше сообщение"),
    ("Close the conversation", "Закрыть переписку"),
    ("About your comment", "О вашем комментарии"),
    ("About your suggestion", "О вашем предложении"),
    (
        "Your group's comments are not shown to managers (the group is too small), so nobody can read or answer this conversation.",
        "Комментарии вашей группы не показываются руководителям (группа слишком мала), поэтому эту переписку никто не может прочитать или ответить в ней.",
    ),
    (
        "Conversation or follow-up code",
        "Код переписки или код отслеживания",
    ),
    (
        "Remember my codes on this device",
        "Запомнить мои коды на этом устройстве",
    ),
    ("Your conversations", "Ваши переписки"),
    (
        "Read and answer replies to your comments and anonymous suggestions with their code. Nobody sees your name: your messages show as from the author.",
        "Читайте ответы на ваши комментарии и анонимные предложения и отвечайте по их коду. Вашего имени никто не видит: ваши сообщения подписаны «Автор».",
    ),
    ("Open a code", "Открыть код"),
    (
        "Forget the codes remembered on this device",
        "Забыть коды, сохранённые на этом устройстве",
    ),
    (
        "Nothing opens with this code. A pulse's code works once the pulse has closed.",
        "По этому коду ничего не найдено. Код опроса начинает работать после закрытия опроса.",
    ),
    ("Conversation about a comment", "Переписка о комментарии"),
    (
        "The author allowed replies. They read your reply as from \"your manager\" or \"HR\", never with your name, and answer back without theirs.",
        "Автор разрешил ответы. Он увидит ваш ответ как ответ «руководителя» или «HR», без вашего имени, и ответит без своего.",
    ),
    ("Back to the report", "Назад к отчёту"),
    // The provisioning page (/admin/scim).
    ("Provisioning", "Синхронизация (SCIM)"),
    // webhooks page
    ("Webhooks", "Вебхуки"),
    ("Webhooks and chat", "Вебхуки и чаты"),
    (
        "Events go to these endpoints and channels as they happen; each delivery is tried a few times before it is given up. Admins add and change them through the API (/api/v1/webhooks).",
        "События уходят на эти адреса и в эти каналы по мере того, как случаются; каждую доставку пробуют несколько раз, прежде чем сдаться. Администраторы добавляют и меняют их через API (/api/v1/webhooks).",
    ),
    (
        "No webhooks or channels yet.",
        "Вебхуков и каналов пока нет.",
    ),
    ("Signed webhook", "Подписанный вебхук"),
    ("Slack channel", "Канал Slack"),
    ("Microsoft Teams channel", "Канал Microsoft Teams"),
    ("enabled", "включён"),
    ("disabled", "выключен"),
    ("Events", "События"),
    ("Nothing delivered yet.", "Доставок пока не было."),
    ("Event", "Событие"),
    ("Tries", "Попытки"),
    ("HTTP status", "Код HTTP"),
    ("Last error", "Последняя ошибка"),
    ("queued", "в очереди"),
    ("sending", "отправляется"),
    ("sent", "отправлено"),
    ("failed", "не доставлено"),
    ("cancelled", "отменено"),
    ("Provisioning (SCIM)", "Синхронизация сотрудников (SCIM)"),
    (
        "Your identity provider creates, updates and deactivates people and teams through SCIM 2.0 at this address, with a token made here:",
        "Ваш провайдер учётных записей создаёт, изменяет и деактивирует сотрудников и команды через SCIM 2.0 по этому адресу с токеном, созданным здесь:",
    ),
    (
        "The new token (copy it now: it is not shown again):",
        "Новый токен (скопируйте его сейчас: больше он не будет показан):",
    ),
    (
        "Confirmed: the held deactivations were applied, and SCIM may deactivate freely for an hour.",
        "Подтверждено: задержанные деактивации выполнены, и в течение часа SCIM может деактивировать без ограничений.",
    ),
    ("Tokens", "Токены"),
    ("No tokens yet.", "Токенов пока нет."),
    ("Created", "Создан"),
    ("Last used", "Последнее использование"),
    ("never", "ни разу"),
    ("revoked {date}", "отозван {date}"),
    ("active", "действует"),
    ("Revoke", "Отозвать"),
    ("Name of a new token", "Название нового токена"),
    (
        "For example the identity provider's name.",
        "Например, название провайдера учётных записей.",
    ),
    ("Create a token", "Создать токен"),
    ("Mass-change guard", "Защита от массовых изменений"),
    (
        "SCIM may deactivate at most {share}% of the active people within an hour; beyond that, deactivations wait here for an admin.",
        "SCIM может деактивировать не более {share}% активных сотрудников за час; сверх этого деактивации ждут здесь решения администратора.",
    ),
    (
        "Deactivated through SCIM in the last hour: {done}. Active people: {active}.",
        "Деактивировано через SCIM за последний час: {done}. Активных сотрудников: {active}.",
    ),
    (
        "Confirmed: SCIM may deactivate freely until {date}.",
        "Подтверждено: SCIM может деактивировать без ограничений до {date}.",
    ),
    ("No deactivation is held.", "Задержанных деактиваций нет."),
    ("Person", "Сотрудник"),
    ("Asked", "Запрос"),
    ("Requested", "Когда"),
    ("delete", "удалить"),
    ("deactivate", "деактивировать"),
    (
        "Confirm the held deactivations",
        "Подтвердить задержанные деактивации",
    ),
    // action plans
    ("A suggestion", "Предложение"),
    ("Add an update", "Добавить новость"),
    ("Add the update", "Добавить"),
    ("All actions", "Все действия"),
    ("Create", "Создать"),
    (
        "Driver it answers (optional)",
        "Фактор, на который оно отвечает (необязательно)",
    ),
    ("Due on", "Срок"),
    ("For", "Для кого"),
    (
        "No action is planned yet.",
        "Пока никаких действий не запланировано.",
    ),
    ("No update yet.", "Новостей пока нет."),
    ("None", "Нет"),
    ("Only overdue", "Только просроченные"),
    (
        "Or a theme of the suggestions (optional)",
        "Или тема предложений (необязательно)",
    ),
    ("Overdue", "Просрочено"),
    ("Owner", "Ответственный"),
    ("Plan an action", "Запланировать действие"),
    (
        "Planned by {name} on {date}",
        "Запланировал(а) {name}, {date}",
    ),
    (
        "Say what you will do about the results, who owns it and by when. The team sees it on their start page and beside each pulse.",
        "Опишите, что будет сделано по итогам, кто за это отвечает и к какому сроку. Команда увидит это на главной странице и рядом с каждым опросом.",
    ),
    ("Status after this update", "Статус после этой новости"),
    ("Updates", "Ход работы"),
    ("What happened", "Что сделано"),
    (
        "What we are doing about your feedback",
        "Что мы делаем по вашим отзывам",
    ),
    ("What will be done", "Что будет сделано"),
    ("closed on {date}", "закрыто {date}"),
    ("due {date}", "срок {date}"),
    ("nobody", "никто"),
    ("Planned", "Запланировано"),
    ("Dropped", "Отменено"),
    ("After", "После"),
    ("Before", "До"),
    ("Driver, favourable %", "Фактор, % согласных"),
    ("Effect", "Результат"),
    ("Owner and due day", "Ответственный и срок"),
    (
        "not released for this group",
        "для этой группы не раскрывается",
    ),
    (
        "The action is not done: its effect can be read once it is marked done.",
        "Действие ещё не выполнено: его результат можно будет оценить, когда оно будет отмечено как сделанное.",
    ),
    (
        "No round that closed before the action was done released these results: the data cannot show an effect.",
        "Ни один раунд, закрытый до выполнения действия, не раскрыл эти результаты: по данным нельзя судить о результате.",
    ),
    (
        "No round that opened after the action was done has released these results yet: the data cannot show an effect.",
        "Ни один раунд, открытый после выполнения действия, пока не раскрыл эти результаты: по данным нельзя судить о результате.",
    ),
    (
        "The change from the last released round before the action to the first after it, with its 95% interval. It compares two rounds and proves nothing by itself: other things changed too, and the rounds may ask different questions. A change whose interval includes 0 is no clear change.",
        "Изменение от последнего раскрытого раунда до действия к первому после него, с 95% интервалом. Это сравнение двух раундов, само по себе оно ничего не доказывает: менялось и другое, а вопросы раундов могут различаться. Если интервал включает 0, явного изменения нет.",
    ),
    (
        "(95% interval {low} to {high})",
        "(95% интервал от {low} до {high})",
    ),
    ("Driver, mean (1–5)", "Драйвер, среднее (1–5)"),
    // chrome
    ("Skip to content", "Перейти к содержимому"),
    ("Main navigation", "Основная навигация"),
    ("My pulses", "Мои опросы"),
    ("Suggestions", "Предложения"),
    ("Reports", "Отчёты"),
    ("Surveys", "Опросы"),
    ("People", "Сотрудники"),
    ("Heatmap", "Тепловая карта"),
    ("Linkage", "Связь EX–CX"),
    ("Audit log", "Журнал аудита"),
    ("Retention", "Хранение данных"),
    ("Data retention", "Хранение данных"),
    ("Saved.", "Сохранено."),
    ("Survey answers", "Ответы на опросы"),
    ("Closed suggestions", "Закрытые предложения"),
    (
        "A daily job deletes what is older than these limits, for good, and records each run in the audit log. Leave a field empty to keep that data for ever.",
        "Ежедневная задача безвозвратно удаляет то, что старше этих сроков, и записывает каждый запуск в журнал аудита. Оставьте поле пустым, чтобы хранить эти данные всегда.",
    ),
    (
        "Months after a round closes. The round's reports are deleted with its answers.",
        "Месяцев после закрытия раунда. Отчёты раунда удаляются вместе с его ответами.",
    ),
    (
        "Months after a round closes; the other answers are kept.",
        "Месяцев после закрытия раунда; остальные ответы сохраняются.",
    ),
    (
        "Months after the last reply to a done or declined suggestion.",
        "Месяцев после последнего ответа на выполненное или отклонённое предложение.",
    ),
    (
        "Months after the day a rating describes.",
        "Месяцев после дня, к которому относится оценка.",
    ),
    ("Months; at least {n}.", "Месяцев; не меньше {n}."),
    ("Password", "Пароль"),
    ("Sign out", "Выйти"),
    ("Language", "Язык"),
    ("Switch", "Сменить"),
    // errors
    ("Not allowed", "Нет доступа"),
    (
        "Your role does not give access to this page. If you think it should, ask HR.",
        "Ваша роль не даёт доступа к этой странице. Если вы считаете, что он нужен, обратитесь в HR.",
    ),
    ("Not found", "Не найдено"),
    (
        "You have answered this pulse — thank you.",
        "Вы уже ответили на этот опрос — спасибо.",
    ),
    (
        "This pulse has closed: answers are no longer taken.",
        "Этот опрос закрыт: ответы больше не принимаются.",
    ),
    ("Back to my pulses", "К моим опросам"),
    (
        "This page or item does not exist, or is not visible to you.",
        "Такой страницы или записи нет, или она вам не видна.",
    ),
    ("Something went wrong", "Что-то пошло не так"),
    (
        "The error has been logged. Please try again later.",
        "Ошибка записана в журнал. Попробуйте позже.",
    ),
    ("This did not work", "Не получилось"),
    ("Back to the start page", "На главную"),
    (
        "The form has expired. Please reload the page and try again.",
        "Форма устарела. Обновите страницу и попробуйте снова.",
    ),
    ("row {row}: {problem}", "строка {row}: {problem}"),
    // survey form: questions of one's own, editing, archiving
    ("Agreement, 1 to 5", "Согласие, от 1 до 5"),
    ("Scale, 0 to 10", "Шкала от 0 до 10"),
    ("One of listed options", "Один из вариантов"),
    ("Free text", "Свободный ответ"),
    ("Text in English", "Текст на английском"),
    (
        "Text in Russian (optional)",
        "Текст на русском (необязательно)",
    ),
    ("Kind of answer", "Вид ответа"),
    ("An answer is required", "Ответ обязателен"),
    (
        "Options, one per line (choice questions only)",
        "Варианты, по одному в строке (только для вопроса с выбором)",
    ),
    ("Questions, cuts and k", "Вопросы, срезы и k"),
    (
        "These are frozen: the first round has opened, so they stay as they were for every round. The title, audience and schedule can still change.",
        "Они заморожены: первый раунд уже открыт, поэтому для всех раундов они остаются прежними. Название, аудиторию и расписание менять можно.",
    ),
    (
        "Questions of your own come after the bank's. A slot left without text is skipped.",
        "Свои вопросы идут после вопросов из банка. Пустой блок без текста пропускается.",
    ),
    (
        "No round opens after (optional)",
        "Раунды не открываются после (необязательно)",
    ),
    ("Save changes", "Сохранить изменения"),
    (
        "This survey is archived: no more rounds open. Its results stay.",
        "Опрос в архиве: новые раунды не открываются. Результаты сохраняются.",
    ),
    ("Edit the survey", "Изменить опрос"),
    (
        "Questions, cuts and k are frozen since the first round opened.",
        "Вопросы, срезы и k заморожены с открытия первого раунда.",
    ),
    ("Archive", "Архив"),
    (
        "Archiving stops new rounds for good; the reports of past rounds stay.",
        "Архивация навсегда останавливает новые раунды; отчёты прошлых раундов сохраняются.",
    ),
    ("Archive this survey", "Отправить опрос в архив"),
    ("Your own question {n}", "Свой вопрос {n}"),
    ("Edit: {title}", "Изменение: {title}"),
    ("Hide archived surveys", "Скрыть опросы в архиве"),
    ("Show archived surveys too", "Показать и опросы в архиве"),
    ("archived", "в архиве"),
    // people and teams
    (
        "Key for imports (optional)",
        "Ключ для импорта (необязательно)",
    ),
    (
        "A stable name other systems use for this team, for example in customer rating imports.",
        "Постоянное имя команды для других систем, например для импорта клиентских оценок.",
    ),
    ("Teams", "Команды"),
    (
        "Frontline (serves customers)",
        "Фронтовая (работает с клиентами)",
    ),
    (
        "Internal (serves other teams)",
        "Внутренняя (обслуживает другие команды)",
    ),
    ("None (a top-level team)", "Нет (команда верхнего уровня)"),
    ("Employee", "Сотрудник"),
    ("Manager", "Руководитель"),
    ("Admin", "Администратор"),
    ("Deactivated", "Деактивирован"),
    ("Erased", "Стёрт"),
    ("Erase…", "Стереть…"),
    ("Erase", "Стереть"),
    ("Cancel", "Отмена"),
    ("Actions", "Действия"),
    ("Erase a person", "Стереть данные сотрудника"),
    (
        "Erasing removes the person's name, e-mail, team, roles, attributes, password and sessions. It cannot be undone.",
        "Стирание удаляет имя, e-mail, команду, роли, атрибуты, пароль и сеансы сотрудника. Отменить его нельзя.",
    ),
    (
        "Their anonymous answers stay in the reports, which keep their numbers; their signed suggestions stay without an author unless you delete them.",
        "Анонимные ответы остаются в отчётах, и цифры отчётов не меняются; подписанные предложения остаются без автора, если вы их не удалите.",
    ),
    (
        "Also delete their signed suggestions",
        "Также удалить подписанные предложения",
    ),
    (
        "I understand that this cannot be undone",
        "Я понимаю, что это нельзя отменить",
    ),
    ("Active", "Активен"),
    ("Not activated yet", "Ещё не активирован"),
    ("Everyone", "Все сотрудники"),
    (
        "Search by name, e-mail or number",
        "Поиск по имени, эл. почте или номеру",
    ),
    ("Per page", "На странице"),
    ("Nobody matches.", "Никто не найден."),
    ("Name", "Имя"),
    ("Role", "Роль"),
    ("Pages of the list", "Страницы списка"),
    ("Previous page", "Предыдущая страница"),
    ("Next page", "Следующая страница"),
    ("Manage teams", "Управление командами"),
    ("No teams yet.", "Команд пока нет."),
    ("New team", "Новая команда"),
    ("Parent team", "Родительская команда"),
    ("Kind", "Тип"),
    ("Create team", "Создать команду"),
    ("Back to the teams", "К списку команд"),
    (
        "Actions on this team's feedback",
        "Действия по отзывам команды",
    ),
    (
        "{share}% of the team have seen action on the results of the last pulse.",
        "{share}% команды видели действия по итогам прошлого опроса.",
    ),
    (
        "Too few ratings to compare (at least 30 on each side).",
        "Слишком мало оценок для сравнения (нужно не меньше 30 с каждой стороны).",
    ),
    (
        "No clear change: the interval contains 0.",
        "Явного изменения нет: интервал содержит 0.",
    ),
    (
        "A change beyond the noise; a before/after comparison does not show its cause.",
        "Изменение больше шума; сравнение «до и после» не показывает его причину.",
    ),
    (
        "Customers of the teams served",
        "Клиенты обслуживаемых команд",
    ),
    (
        "Customer ratings of the teams this team serves, in the 90 days before the day the action was done and from that day.",
        "Оценки клиентов команд, которые обслуживает эта команда, за 90 дней до дня выполнения действия и начиная с этого дня.",
    ),
    (
        "Every customer rating of the organisation, in the 90 days before the day the action was done and from that day.",
        "Все оценки клиентов организации за 90 дней до дня выполнения действия и начиная с этого дня.",
    ),
    ("Change (95% interval)", "Изменение (95% интервал)"),
    ("What it says", "Что это значит"),
    ("Metric", "Метрика"),
    ("What the comments are about", "О чём комментарии"),
    ("Reminders", "Напоминания"),
    (
        "Remind me by e-mail of pulses I have not answered",
        "Напоминать по почте об опросах, на которые я не ответил(а)",
    ),
    (
        "Invitations to answer a pulse always come.",
        "Приглашения ответить на опрос приходят всегда.",
    ),
    ("CSV file", "Файл CSV"),
    ("… or paste the CSV", "… или вставьте CSV"),
    ("Teams served", "Обслуживаемые команды"),
    (
        "This team serves no frontline team yet.",
        "Эта команда пока не обслуживает ни одной фронтлайн-команды.",
    ),
    ("weight", "вес"),
    ("Edit the teams served", "Изменить обслуживаемые команды"),
    ("Delete the team", "Удалить команду"),
    ("Delete this team…", "Удалить эту команду…"),
    ("Back to the team", "К команде"),
    (
        "Tick the frontline teams this team serves. A weight says how much of its work goes to each (any positive numbers; the linkage uses their proportions).",
        "Отметьте фронтлайн-команды, которые обслуживает эта команда. Вес говорит, какая доля её работы приходится на каждую (любые положительные числа; в связи с CX учитываются их пропорции).",
    ),
    (
        "There is no frontline team to serve yet.",
        "Пока нет ни одной фронтлайн-команды, которую можно обслуживать.",
    ),
    ("Serves", "Обслуживает"),
    ("Weight", "Вес"),
    (
        "Only a team with no child teams, nobody in it and no history (surveys, answers, suggestions, customer ratings) can be deleted; its managers and the teams it serves or is served by are let go. A team with history is renamed or moved instead, so past reports keep it.",
        "Удалить можно только команду без дочерних команд, без сотрудников и без истории (опросов, ответов, предложений, оценок клиентов); её руководители и связи обслуживания снимаются. Команду с историей переименовывают или переносят, чтобы прошлые отчёты её сохранили.",
    ),
    (
        "Teams served by {name}",
        "Команды, которые обслуживает {name}",
    ),
    ("Weight for {name}", "Вес для {name}"),
    ("Delete the team {name}", "Удалить команду {name}"),
    ("Save", "Сохранить"),
    ("{from}–{to} of {total}", "{from}–{to} из {total}"),
    ("Team: {name}", "Команда: {name}"),
    (
        "Please correct the marked fields.",
        "Исправьте отмеченные поля.",
    ),
    // sign-in, activation, password
    ("Sign in", "Вход"),
    // company sign-in
    ("Sign in with {name}", "Войти через {name}"),
    (
        "Only administrators sign in with a password here.",
        "Здесь по паролю входят только администраторы.",
    ),
    (
        "Password sign-in is off here. Sign in with your company account.",
        "Вход по паролю здесь отключён. Войдите через учётную запись компании.",
    ),
    (
        "Company sign-in is not set up here.",
        "Вход через учётную запись компании здесь не настроен.",
    ),
    (
        "This sign-in was not started here, was used already or took too long. Please start again.",
        "Этот вход начат не здесь, уже использован или занял слишком много времени. Начните заново.",
    ),
    (
        "The identity provider did not sign you in.",
        "Поставщик учётных записей не выполнил вход.",
    ),
    (
        "The identity provider refused this sign-in (it may have been used already). Please start again.",
        "Поставщик учётных записей отклонил этот вход (возможно, он уже использован). Начните заново.",
    ),
    (
        "The identity provider's answer failed our checks, so it was not trusted.",
        "Ответ поставщика учётных записей не прошёл проверку, поэтому ему не доверяем.",
    ),
    (
        "The identity provider cannot be reached just now. Please try again later.",
        "Поставщик учётных записей сейчас недоступен. Попробуйте позже.",
    ),
    (
        "Your identity provider does not confirm your e-mail address.",
        "Ваш поставщик учётных записей не подтверждает ваш адрес эл. почты.",
    ),
    (
        "Accounts of your e-mail domain cannot sign in here.",
        "Учётные записи вашего почтового домена не могут входить здесь.",
    ),
    (
        "There is no account here for your e-mail address. Ask HR to add you.",
        "Здесь нет учётной записи с вашим адресом эл. почты. Попросите HR добавить вас.",
    ),
    (
        "Your account here is deactivated. Ask HR if this is a mistake.",
        "Ваша учётная запись здесь деактивирована. Если это ошибка, обратитесь в HR.",
    ),
    ("You are not signed in", "Вход не выполнен"),
    ("Back to sign-in", "Назад ко входу"),
    ("Signed in", "Вход выполнен"),
    ("Continue", "Продолжить"),
    ("E-mail", "Эл. почта"),
    ("E-mail or employee number", "Эл. почта или табельный номер"),
    ("E-mail or number", "Эл. почта или номер"),
    ("Employee number", "Табельный номер"),
    ("Phone", "Телефон"),
    ("Mobile phone", "Мобильный телефон"),
    (
        "Give at least one of e-mail, employee number and phone. Someone without e-mail signs in with their employee number.",
        "Укажите хотя бы одно: эл. почту, табельный номер или телефон. Сотрудник без эл. почты входит по табельному номеру.",
    ),
    (
        "The e-mail or the password is wrong.",
        "Неверная эл. почта или пароль.",
    ),
    (
        "Too many attempts. Try again in {s} seconds.",
        "Слишком много попыток. Повторите через {s} с.",
    ),
    ("Activate your account", "Активация учётной записи"),
    ("Activation code", "Код активации"),
    ("New password", "Новый пароль"),
    ("At least 12 characters.", "Не короче 12 символов."),
    ("Activate", "Активировать"),
    (
        "This activation code is unknown or already used.",
        "Код активации неизвестен или уже использован.",
    ),
    ("Change password", "Смена пароля"),
    ("Current password", "Текущий пароль"),
    (
        "Your password was changed. Please sign in with the new one.",
        "Пароль изменён. Войдите с новым паролем.",
    ),
    ("You are signed out.", "Вы вышли из системы."),
    (
        "After the change you will sign in again on every device.",
        "После смены пароля нужно будет войти заново на всех устройствах.",
    ),
    // pulses
    (
        "No open pulses for you right now. Thank you!",
        "Сейчас для вас нет открытых опросов. Спасибо!",
    ),
    (
        "Thank you, your answers were recorded.",
        "Спасибо, ваши ответы записаны.",
    ),
    ("Open until {date}", "Открыт до {date}"),
    ("Answer", "Ответить"),
    ("Send answers", "Отправить ответы"),
    ("Required", "Обязательный"),
    ("Optional", "Необязательный"),
    ("Strongly disagree", "Совсем не согласен"),
    ("Disagree", "Не согласен"),
    ("Neutral", "Нейтрально"),
    ("Agree", "Согласен"),
    ("Strongly agree", "Полностью согласен"),
    ("Not at all likely", "Совсем маловероятно"),
    ("Extremely likely", "Очень вероятно"),
    ("Up to {n} characters.", "До {n} символов."),
    (
        "What is stored and who sees it",
        "Что хранится и кто это видит",
    ),
    (
        "Your answers are stored without your name, your account or the time you answered: only with your team and, if this survey collects them, your location, job family and length of service (rare values are stored as \"other\").",
        "Ответы хранятся без вашего имени, учётной записи и времени ответа: только с вашей командой и, если опрос их собирает, местоположением, профессией и стажем (редкие значения сохраняются как «другое»).",
    ),
    (
        "Separately, we note that you answered this round, so you are not asked twice and HR can remind those who have not. The two records are never joined.",
        "Отдельно отмечается, что вы ответили в этом раунде, — чтобы не спрашивать дважды и чтобы HR мог напомнить тем, кто не ответил. Эти две записи никогда не связываются.",
    ),
    (
        "Your manager and HR see only group results after the round closes, and only for groups of at least {k} answers; smaller groups are shown as \"fewer than {k} answers\". Written comments are shown only for groups of at least {c} answers, in random order and apart from the other answers.",
        "Руководитель и HR видят только результаты групп после закрытия раунда и только для групп не меньше {k} ответов; меньшие группы показываются как «меньше {k} ответов». Письменные комментарии показываются только для групп не меньше {c} ответов, в случайном порядке и отдельно от остальных ответов.",
    ),
    (
        "Nobody can see your individual answers.",
        "Никто не может увидеть ваши отдельные ответы.",
    ),
    ("characters left", "символов осталось"),
    // suggestions
    (
        "Raise a customer pain point",
        "Сообщить о проблеме клиентов",
    ),
    (
        "Follow an anonymous suggestion",
        "Найти анонимное предложение",
    ),
    ("Filters", "Фильтры"),
    ("Search", "Поиск"),
    ("Touchpoint", "Точка контакта"),
    ("All", "Все"),
    ("Status", "Статус"),
    ("Order", "Порядок"),
    ("Newest first", "Сначала новые"),
    ("Most votes first", "Сначала популярные"),
    ("Show", "Показать"),
    ("Anonymous", "Анонимно"),
    ("Take back my vote", "Отозвать голос"),
    ("Vote", "Поддержать"),
    ("Follow-up code", "Код для ответа"),
    ("Read replies", "Читать ответы"),
    (
        "What gets in the way of our customers? Describe one pain point; colleagues can vote for it and managers answer.",
        "Что мешает нашим клиентам? Опишите одну проблему: коллеги смогут её поддержать, а руководители — ответить.",
    ),
    ("Title", "Заголовок"),
    (
        "What happens, and what would help",
        "Что происходит и что бы помогло",
    ),
    (
        "Which customers (optional)",
        "Какие клиенты (необязательно)",
    ),
    ("Raise it anonymously", "Отправить анонимно"),
    (
        "Anonymous: your name is not stored, only the day, and the team shown is the nearest one (yours or above) with enough people that it does not point to you. You get a follow-up code, shown once, to read the replies. Signed: your name and team are shown.",
        "Анонимно: ваше имя не сохраняется, только день, а показывается ближайшая команда (ваша или выше), в которой достаточно людей, чтобы не указывать на вас. Вы получите код, показываемый один раз, чтобы читать ответы. С подписью: видны ваше имя и команда.",
    ),
    ("Send", "Отправить"),
    ("Your suggestion was sent", "Предложение отправлено"),
    (
        "It is anonymous. Keep this follow-up code: it is the only way to read the replies, and it is not shown again after a few minutes.",
        "Оно анонимно. Сохраните этот код: только по нему можно прочитать ответы, и через несколько минут он больше не будет показан.",
    ),
    (
        "Its follow-up code is no longer shown here: it is shown only for a few minutes after sending, to the sign-in that sent it.",
        "Код для отслеживания здесь больше не показывается: он виден только несколько минут после отправки и только в том входе, из которого предложение отправлено.",
    ),
    ("Back to suggestions", "К предложениям"),
    (
        "No suggestion has this code.",
        "Предложения с таким кодом нет.",
    ),
    ("Customers", "Клиенты"),
    ("Replies", "Ответы"),
    ("No reply yet.", "Ответа пока нет."),
    ("Status after this reply", "Статус после ответа"),
    ("Keep as it is ({status})", "Оставить как есть ({status})"),
    ("status kept", "статус не изменён"),
    ("Reply", "Ответ"),
    (
        "Everyone who can see the suggestion reads it, the author too. At least 10 characters.",
        "Ответ видят все, кому видно предложение, и автор тоже. Не короче 10 символов.",
    ),
    ("Send reply", "Отправить ответ"),
    ("Awareness", "Узнаваемость"),
    ("Purchase", "Покупка"),
    ("Onboarding", "Подключение"),
    ("Usage", "Использование"),
    ("Support", "Поддержка"),
    ("Billing", "Счета и оплата"),
    ("Renewal", "Продление"),
    ("Other", "Другое"),
    ("New", "Новое"),
    ("Acknowledged", "Принято"),
    ("In progress", "В работе"),
    ("Done", "Сделано"),
    ("Declined", "Отклонено"),
    // reports
    ("fewer than {k} answers", "меньше {k} ответов"),
    (
        "Scores are released when a round closes. Groups with too few answers are never shown.",
        "Результаты открываются после закрытия раунда. Группы со слишком малым числом ответов не показываются никогда.",
    ),
    ("No round has closed yet.", "Ещё ни один раунд не закрыт."),
    ("Closed rounds", "Закрытые раунды"),
    ("Survey", "Опрос"),
    ("Round", "Раунд"),
    ("Closed", "Закрыт"),
    ("Team", "Команда"),
    ("Whole organisation", "Вся организация"),
    (
        "This round is still open: scores are released when it closes. Only participation is shown.",
        "Раунд ещё открыт: результаты появятся после закрытия. Сейчас показано только участие.",
    ),
    ("Summary", "Сводка"),
    (
        "A group marked \"fewer than {k} answers\" is not shown. A larger group may be hidden too, marked \"hidden to protect a smaller group\", so that a small one cannot be worked out by subtraction.",
        "Группа с пометкой «меньше {k} ответов» не показывается. Может быть скрыта и группа побольше, с пометкой «скрыто, чтобы защитить меньшую группу», чтобы малую нельзя было вычислить вычитанием.",
    ),
    (
        "hidden to protect a smaller group",
        "скрыто, чтобы защитить меньшую группу",
    ),
    ("not shown", "не показано"),
    ("Group", "Группа"),
    ("Answers", "Ответов"),
    ("Participation", "Участие"),
    ("Engagement index", "Индекс вовлечённости"),
    ("Drivers", "Факторы"),
    (
        "Share of favourable answers (4 or 5), per driver.",
        "Доля благоприятных ответов (4 или 5) по каждому фактору.",
    ),
    ("Driver", "Фактор"),
    ("Mean", "Среднее"),
    ("Favourable %", "Благоприятных, %"),
    ("Trend", "Динамика"),
    (
        "Engagement index by round",
        "Индекс вовлечённости по раундам",
    ),
    ("Comments", "Комментарии"),
    (
        "Comments are shown only for groups with at least {n} of them.",
        "Комментарии показываются только для групп, где их не меньше {n}.",
    ),
    (
        "Mean per driver (1–5). Colour: red below 3, green from 4. Hatched cells have too few answers.",
        "Среднее по фактору (1–5). Цвет: красный ниже 3, зелёный от 4. Заштрихованы ячейки со слишком малым числом ответов.",
    ),
    ("Teams by driver", "Команды по факторам"),
    // Driver impact
    ("Driver impact", "Влияние факторов"),
    (
        "How strongly each driver goes with engagement in this group: the correlation between people's score on the driver and their engagement index, and the driver's share of the engagement that all drivers together explain (relative weights). Correlation, not causation: it shows where to look, not what causes what.",
        "Насколько каждый фактор связан с вовлечённостью в этой группе: корреляция между оценкой фактора и индексом вовлечённости каждого участника и доля объяснённой всеми факторами вовлечённости, которая приходится на фактор (относительные веса). Корреляция, а не причинность: она показывает, куда смотреть, а не что чем вызвано.",
    ),
    (
        "Driver impact is shown only for groups with at least {n} complete answers.",
        "Влияние факторов показывается только для групп, где не меньше {n} полных ответов.",
    ),
    (
        "Driver impact is hidden here to protect a smaller group.",
        "Влияние факторов здесь скрыто, чтобы защитить меньшую группу.",
    ),
    (
        "Driver impact cannot be worked out here: engagement does not vary in this group, or the survey asks about no other driver.",
        "Влияние факторов здесь не вычислить: вовлечённость в группе одинакова или опрос не спрашивает о других факторах.",
    ),
    ("Focus areas", "На чём сосредоточиться"),
    (
        "No focus area: no driver with above-median impact scores below the company.",
        "Фокусных областей нет: ни один фактор с влиянием выше медианы не оценён ниже, чем в компании.",
    ),
    (
        "{driver} matters most to your team's engagement and scores {points} points below the company.",
        "Фактор «{driver}» сильнее всего связан с вовлечённостью вашей команды, и его оценка на {points} п. ниже, чем в компании.",
    ),
    (
        "{driver} is among the drivers that matter most to your team's engagement and scores {points} points below the company.",
        "Фактор «{driver}» — среди самых значимых для вовлечённости вашей команды, и его оценка на {points} п. ниже, чем в компании.",
    ),
    ("Priority matrix", "Матрица приоритетов"),
    (
        "Each driver is a point: further right, more of the team's engagement goes with it; lower, further below the company. Focus areas are right of the median and below zero.",
        "Каждый фактор — точка: чем правее, тем сильнее с ним связана вовлечённость команды; чем ниже, тем сильнее он отстаёт от компании. Фокусные области — правее медианы и ниже нуля.",
    ),
    (
        "Impact: share of the explained engagement, %",
        "Влияние: доля объяснённой вовлечённости, %",
    ),
    (
        "Score against the company, points",
        "Оценка относительно компании, пункты",
    ),
    (
        "Against the company, points",
        "Относительно компании, пункты",
    ),
    ("Correlation (95% interval)", "Корреляция (95% интервал)"),
    ("Relative weight", "Относительный вес"),
    ("Share, %", "Доля, %"),
    (
        "R² = {r2}, from {n} complete answers.",
        "R² = {r2}, по {n} полным ответам.",
    ),
    // HR
    ("New survey", "Новый опрос"),
    ("No surveys yet.", "Опросов пока нет."),
    ("Cadence", "Периодичность"),
    ("Starts", "Начало"),
    ("Questions", "Вопросы"),
    ("Once", "Однократно"),
    ("Weekly", "Еженедельно"),
    ("Every two weeks", "Раз в две недели"),
    ("Monthly", "Ежемесячно"),
    ("Quarterly", "Ежеквартально"),
    ("Location", "Местоположение"),
    ("Job family", "Профессия"),
    ("Length of service", "Стаж"),
    ("Break down by", "Разбить по"),
    ("Home", "Главная"),
    (
        "Mean per driver (1–5). A team, or one of its cells, leads to that team's report.",
        "Среднее по фактору (1–5). Команда или любая её ячейка ведёт к отчёту этой команды.",
    ),
    ("Legend", "Легенда"),
    ("No team", "Без команды"),
    ("Managers", "Руководители"),
    ("Members", "Участники"),
    ("Add a person", "Добавить сотрудника"),
    ("Add", "Добавить"),
    (
        "A new activation link; earlier links no longer work. It is shown only once:",
        "Новая ссылка для активации; прежние больше не действуют. Она показывается только один раз:",
    ),
    ("Valid until", "Действует до"),
    ("Profile", "Профиль"),
    ("Manager of", "Руководит"),
    ("Edit", "Изменить"),
    ("Activation", "Активация"),
    (
        "Send a new activation link",
        "Выдать новую ссылку для активации",
    ),
    ("Deactivate", "Деактивировать"),
    (
        "A deactivated person can no longer sign in, and stops managing teams. Their anonymous answers stay in the results.",
        "Деактивированный сотрудник больше не может войти и перестаёт руководить командами. Его анонимные ответы остаются в результатах.",
    ),
    (
        "Yes, deactivate this person",
        "Да, деактивировать этого сотрудника",
    ),
    ("From", "С"),
    ("To", "По"),
    ("No entries match.", "Записей не найдено."),
    ("hidden", "скрыто"),
    ("{change} since #{round}", "{change} с опроса №{round}"),
    (
        "{gap} against the organisation",
        "{gap} относительно организации",
    ),
    ("Hello, {name}", "Здравствуйте, {name}"),
    ("Open rounds", "Открытые опросы"),
    ("No round is open.", "Открытых опросов нет."),
    (
        "Latest results of the organisation",
        "Последние результаты организации",
    ),
    ("No results released yet.", "Результатов пока нет."),
    ("My teams", "Мои команды"),
    ("No breakdown", "Без разбивки"),
    ("Download CSV", "Скачать CSV"),
    ("Detractors (0–6)", "Критики (0–6)"),
    ("Passives (7–8)", "Нейтральные (7–8)"),
    ("Promoters (9–10)", "Сторонники (9–10)"),
    ("shown from {n} answers", "показываются от {n} ответов"),
    ("Results per question", "Результаты по вопросам"),
    (
        "Counts per answer are shown for groups of at least {n} answers to the question.",
        "Число ответов по вариантам показывается для групп, где на вопрос ответили не меньше {n} человек.",
    ),
    ("Question", "Вопрос"),
    ("Answers per option", "Ответы по вариантам"),
    ("Questions from the bank", "Вопросы из банка"),
    ("Audience", "Аудитория"),
    (
        "Teams whose whole subtrees are invited; none ticked means everyone.",
        "Команды, приглашённые вместе со всеми подкомандами; если ничего не отмечено — все.",
    ),
    ("Cuts to collect", "Собираемые срезы"),
    ("Schedule", "Расписание"),
    ("First round opens on", "Первый раунд открывается"),
    ("Days each round stays open", "Сколько дней открыт раунд"),
    ("Minimum group size k", "Минимальный размер группы k"),
    ("No reminders", "Без напоминаний"),
    (
        "1 reminder: at half the window",
        "1 напоминание: в середине срока",
    ),
    (
        "2 reminders: at half the window and a day before the close",
        "2 напоминания: в середине срока и за день до закрытия",
    ),
    (
        "3 reminders: at a third, two thirds and a day before the close",
        "3 напоминания: через треть и две трети срока и за день до закрытия",
    ),
    (
        "Automatic reminders to those who have not answered",
        "Автоматические напоминания тем, кто не ответил",
    ),
    (
        "Sent in working hours, never to someone who turned reminders off. Nobody sees who was reminded.",
        "Отправляются в рабочее время и никогда тем, кто отключил напоминания. Кому они ушли, не видит никто.",
    ),
    (
        "Reports show no group with fewer answers than this. It cannot change once the first round opens.",
        "Отчёты не показывают группы с меньшим числом ответов. После открытия первого раунда изменить нельзя.",
    ),
    ("Create survey", "Создать опрос"),
    ("Rounds", "Раунды"),
    ("Close the open round now", "Закрыть открытый раунд сейчас"),
    ("Open a round now", "Открыть раунд сейчас"),
    ("No rounds yet.", "Раундов пока нет."),
    ("Opens", "Открывается"),
    ("Closes", "Закрывается"),
    ("Invited", "Приглашено"),
    ("Report", "Отчёт"),
    ("Live participation", "Участие сейчас"),
    (
        "Shown only for teams of at least {k} invitees; never who answered.",
        "Показывается только для команд не меньше {k} приглашённых; кто ответил — никогда.",
    ),
    ("Answered", "Ответили"),
    ("Reachable", "Могут ответить"),
    ("Response rate", "Доля ответивших"),
    ("Of invited", "От приглашённых"),
    ("of invited", "от приглашённых"),
    ("fewer than {k} reachable", "меньше {k} могут ответить"),
    (
        "Response rate: answered out of the reachable invitees, those who can sign in (their account is activated). People who never activated their account cannot answer; the rate over everyone invited is shown last.",
        "Доля ответивших — из приглашённых, которые могут войти (их учётная запись активирована). Кто не активировал учётную запись, ответить не может; доля от всех приглашённых — в последнем столбце.",
    ),
    ("fewer than {k} invitees", "меньше {k} приглашённых"),
    ("Scheduled", "Запланирован"),
    ("Open", "Открыт"),
    // insights and audit
    ("Frontline insights", "Голос сотрудников"),
    ("Closing the loop", "Обратная связь"),
    ("Answered within 7 days", "Ответ в течение 7 дней"),
    (
        "Median days to the first reply",
        "Медиана дней до первого ответа",
    ),
    ("Waiting over 14 days", "Ждут ответа больше 14 дней"),
    ("Themes", "Темы"),
    ("No themes in this period.", "В этот период тем нет."),
    ("Theme", "Тема"),
    (
        "Change on the previous period",
        "Изменение к прошлому периоду",
    ),
    ("Touchpoints", "Точки контакта"),
    ("Top voted", "Самые поддержанные"),
    (
        "Who read or exported which report, and when. The reports' contents are not logged.",
        "Кто и когда читал или выгружал какой отчёт. Содержимое отчётов не записывается.",
    ),
    ("When", "Когда"),
    ("Who", "Кто"),
    ("Action", "Действие"),
    ("What", "Что"),
    ("Older entries", "Более ранние записи"),
    // imports
    ("Row errors", "Ошибки в строках"),
    (
        "Rows are numbered from 1, the first row after the header.",
        "Строки нумеруются с 1 — первой строки после заголовка.",
    ),
    (
        "A team is given by its id, its key for imports, its name, or its path like Company/Sales.",
        "Команду можно указать по id, ключу для импорта, названию или пути вида Company/Sales.",
    ),
    ("Row", "Строка"),
    ("Column", "Столбец"),
    ("Problem", "Проблема"),
    ("CSV", "CSV"),
    (
        "Dry run: check every row and show what would happen, without writing",
        "Пробный прогон: проверить все строки и показать результат, ничего не записывая",
    ),
    (
        "Import the valid rows even if some rows are invalid",
        "Импортировать верные строки, даже если есть ошибочные",
    ),
    ("Check or import", "Проверить или импортировать"),
    ("Import people from CSV", "Импорт сотрудников из CSV"),
    (
        "Dry run: nothing was written",
        "Пробный прогон: ничего не записано",
    ),
    ("Imported", "Импортировано"),
    ("Rows read", "Прочитано строк"),
    ("New people", "Новых сотрудников"),
    ("Updated people", "Обновлено сотрудников"),
    ("Rows skipped", "Пропущено строк"),
    (
        "Activation links, shown once",
        "Ссылки активации (показываются один раз)",
    ),
    (
        "Nothing was imported: fix these rows, or tick the box to import only the valid ones.",
        "Ничего не импортировано: исправьте эти строки или отметьте импорт только верных.",
    ),
    ("Customer ratings", "Оценки клиентов"),
    ("Import ratings from CSV", "Импорт оценок из CSV"),
    ("New ratings", "Новых оценок"),
    ("Already stored", "Уже сохранены"),
    // linkage
    (
        "Engagement and customer experience",
        "Вовлечённость и клиентский опыт",
    ),
    ("Customer metric", "Клиентская метрика"),
    (
        "Customer scores taken this many periods later",
        "Клиентские оценки через столько периодов",
    ),
    ("Period", "Период"),
    ("Month", "Месяц"),
    ("Quarter", "Квартал"),
    ("Correlation", "Корреляция"),
    (
        "Too few points for a correlation.",
        "Слишком мало точек для корреляции.",
    ),
    ("Lag sweep", "Сдвиг по времени"),
    ("Lag", "Сдвиг"),
    ("Within teams", "Внутри команд"),
    (
        "Too few teams with several periods to compare each team with itself.",
        "Слишком мало команд с несколькими периодами, чтобы сравнить каждую саму с собой.",
    ),
    ("Teams at risk", "Команды в зоне риска"),
    (
        "Teams below the median on both engagement and customer scores.",
        "Команды ниже медианы и по вовлечённости, и по клиентским оценкам.",
    ),
    (
        "No team is low on both.",
        "Нет команд, низких по обоим показателям.",
    ),
    ("Points of the plot", "Точки графика"),
    ("Ratings", "Оценок"),
    (
        "Across {n} team-periods, engagement and {m} move together: r = {r} (95% interval {lo} to {hi}), so teams with higher engagement tend to have better {m}.",
        "По {n} точкам (команда × период) вовлечённость и {m} меняются вместе: r = {r} (95% интервал от {lo} до {hi}), то есть у более вовлечённых команд {m} обычно лучше.",
    ),
    (
        "Across {n} team-periods, engagement and {m} move in opposite directions: r = {r} (95% interval {lo} to {hi}).",
        "По {n} точкам (команда × период) вовлечённость и {m} меняются в противоположные стороны: r = {r} (95% интервал от {lo} до {hi}).",
    ),
    (
        "Across {n} team-periods, r = {r}, but the 95% interval ({lo} to {hi}) includes zero: these data show no clear link between engagement and {m}.",
        "По {n} точкам (команда × период) r = {r}, но 95% интервал (от {lo} до {hi}) включает ноль: явной связи между вовлечённостью и {m} эти данные не показывают.",
    ),
    (
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): when a team's engagement moves away from its usual level, its customer scores move with it.",
        "Внутри каждой команды во времени r = {r} (95% интервал от {lo} до {hi}): когда вовлечённость команды отходит от её обычного уровня, клиентские оценки меняются вместе с ней.",
    ),
    (
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): a team's customer scores do not clearly follow changes in its own engagement.",
        "Внутри каждой команды во времени r = {r} (95% интервал от {lo} до {hi}): клиентские оценки команды не следуют явно за изменениями её вовлечённости.",
    ),
    // linkage chart
    (
        "Engagement and {metric}, lag {lag}",
        "Вовлечённость и {metric}, сдвиг {lag}",
    ),
    ("Engagement index (0–100)", "Индекс вовлечённости (0–100)"),
    (
        "Customer satisfaction (CSAT, % satisfied)",
        "Удовлетворённость клиентов (CSAT, % довольных)",
    ),
    (
        "Net Promoter Score (NPS, −100 to 100)",
        "Индекс лояльности клиентов (NPS, от −100 до 100)",
    ),
    (
        "Customer effort score (CES, 1–7)",
        "Индекс усилий клиента (CES, 1–7)",
    ),
    (
        "No team-period has both engagement and customer scores yet.",
        "Пока нет ни одного периода команды, где есть и вовлечённость, и клиентские оценки.",
    ),
    (
        "Import customer ratings and close a survey round to see the link.",
        "Импортируйте оценки клиентов и закройте раунд опроса, чтобы увидеть связь.",
    ),
    (
        "The 95% interval of r includes zero: the data are consistent with no link.",
        "95% интервал r включает ноль: данные совместимы с отсутствием связи.",
    ),
    (
        "One team ({team}) supplies {k} of the {n} points and dominates the result.",
        "Одна команда ({team}) даёт {k} из {n} точек и определяет результат.",
    ),
    (
        "No lag stands out: the correlations at the different lags (r from {lo} to {hi}) differ by less than their uncertainty.",
        "Ни один сдвиг не выделяется: корреляции при разных сдвигах (r от {lo} до {hi}) различаются меньше, чем их погрешность.",
    ), // The survey editor and its preview.
    ("Add a question", "Добавить вопрос"),
    ("Order of the questions", "Порядок вопросов"),
    (
        "These buttons change the form only: nothing is saved until you save the survey.",
        "Эти кнопки меняют только форму: ничего не сохраняется, пока вы не сохраните опрос.",
    ),
    ("Move up", "Выше"),
    ("Move down", "Ниже"),
    ("Remove", "Убрать"),
    (
        "Options in Russian, one per line in the same order (optional)",
        "Варианты на русском, по одному в строке в том же порядке (необязательно)",
    ),
    (
        "Title in Russian (optional)",
        "Название на русском (необязательно)",
    ),
    ("Preview: {title}", "Предпросмотр: {title}"),
    (
        "This is the pulse as the people invited will see it on their phone or computer. The answers given here are not sent.",
        "Так опрос увидят приглашённые на телефоне или компьютере. Ответы отсюда не отправляются.",
    ),
    ("Language of the preview", "Язык предпросмотра"),
    (
        "Preview as an employee sees it",
        "Посмотреть глазами сотрудника",
    ),
    // Opening and closing a round by hand.
    (
        "Close the open round now…",
        "Закрыть открытый раунд сейчас…",
    ),
    ("Open a round now…", "Открыть раунд сейчас…"),
    ("Participation in round {n}", "Участие в раунде {n}"),
    ("Closed on {date}.", "Закрыт {date}."),
    (
        "Open a round of “{title}”?",
        "Открыть раунд опроса «{title}»?",
    ),
    ("Back to the survey", "Назад к опросу"),
    (
        "A round of this survey is already open. Close it before opening another.",
        "Раунд этого опроса уже открыт. Закройте его, прежде чем открывать следующий.",
    ),
    (
        "{m} of them have activated their account and can sign in now",
        "из них {m} активировали учётную запись и могут войти сейчас",
    ),
    (
        "It stays open until {date}; a message that it is open is queued for everyone invited.",
        "Он будет открыт до {date}; всем приглашённым ставится в очередь сообщение о том, что он открыт.",
    ),
    (
        "Nobody would be invited: the survey's audience has no active people in a team.",
        "Приглашать некого: в аудитории опроса нет активных сотрудников, состоящих в команде.",
    ),
    (
        "Some of these people are asked by another survey's round at the same time, open now or on its schedule. Two pulses at once tire people and lower the response rate of both.",
        "Часть этих людей в то же время опрашивает раунд другого опроса — открытый сейчас или по его расписанию. Два опроса одновременно утомляют людей и снижают долю ответов в обоих.",
    ),
    (
        "Some of the people it invites are asked by another survey's round at the same time. Two pulses at once tire people and lower the response rate of both: consider moving one of the schedules.",
        "Часть приглашённых в то же время опрашивает раунд другого опроса. Два опроса одновременно утомляют людей и снижают долю ответов в обоих: подумайте, не сдвинуть ли одно из расписаний.",
    ),
    (
        "The schedule opens the next round on {from}; it stays open until {date}.",
        "По расписанию следующий раунд откроется {from} и будет открыт до {date}.",
    ),
    (
        "on its schedule from {from} until {date}",
        "по расписанию с {from} до {date}",
    ),
    ("open until {date}", "открыт до {date}"),
    ("Open the round", "Открыть раунд"),
    ("This round is not open.", "Этот раунд не открыт."),
    (
        "It would stay open until {date}.",
        "Иначе он был бы открыт до {date}.",
    ),
    ("Close the round now", "Закрыть раунд сейчас"),
    (
        "Close round {n} of “{title}” now?",
        "Закрыть раунд {n} опроса «{title}» сейчас?",
    ),
];

/// Russian for the API's messages (validation and conflict errors), keyed by the
/// English template of `error::Msg`.
const RU_MSG: &[(&str, &str)] = &[
    (
        "a person needs an e-mail address, a phone number or an employee number",
        "у сотрудника должен быть адрес эл. почты, телефон или табельный номер",
    ),
    (
        "must be a phone number in international form, like +44 20 7946 0000",
        "должен быть телефоном в международном формате, например +7 912 345 67 89",
    ),
    (
        "a person with this phone number already exists",
        "сотрудник с таким телефоном уже есть",
    ),
    (
        "a person with this employee number already exists",
        "сотрудник с таким табельным номером уже есть",
    ),
    (
        "must not contain @, which marks an e-mail address",
        "не должен содержать @: так обозначается адрес эл. почты",
    ),
    (
        "a person with this employeeNumber already exists",
        "сотрудник с таким employeeNumber уже есть",
    ),
    (
        "names someone other than the row's other identifiers do",
        "указывает не на того сотрудника, что остальные данные строки",
    ),
    (
        "not a known time zone; use an IANA name such as Europe/Berlin",
        "неизвестный часовой пояс; укажите имя IANA, например Europe/Moscow",
    ),
    (
        "give one Russian option for each of the {n} options",
        "укажите по одному варианту на русском для каждого из {n} вариантов",
    ),
    // Conversations.
    (
        "write a message, close the conversation, or both",
        "напишите сообщение, закройте переписку или и то и другое",
    ),
    (
        "this code opens several conversations: choose one",
        "по этому коду открывается несколько переписок: выберите одну",
    ),
    (
        "not a conversation of this code",
        "это не переписка этого кода",
    ),
    (
        "this conversation is closed: nobody can write in it any more",
        "переписка закрыта: писать в неё больше нельзя",
    ),
    (
        "nobody can read this conversation: the group of your comment is too small for comments to be shown",
        "эту переписку никто не может прочитать: группа вашего комментария слишком мала, чтобы комментарии показывались",
    ),
    // SCIM provisioning.
    (
        "a person with this userName already exists",
        "сотрудник с таким userName уже есть",
    ),
    (
        "a group with this externalId already exists",
        "группа с таким externalId уже есть",
    ),
    ("no such user", "нет такого пользователя"),
    ("remove needs a path", "для remove нужен path"),
    (
        "an operation without a path needs an object as its value",
        "операции без path нужен объект в value",
    ),
    ("not an object", "не объект"),
    ("a value is required", "нужно значение value"),
    ("userName is required", "нужен userName"),
    (
        "userName must be the person's e-mail address, like name@example.org",
        "userName должен быть адресом электронной почты сотрудника, например name@example.org",
    ),
    (
        "the file is not UTF-8 text",
        "файл не является текстом в UTF-8",
    ),
    (
        "the team has history (surveys, answers, suggestions, customer ratings or action plans) that past reports keep: rename or move it instead",
        "у команды есть история (опросы, ответы, предложения, оценки клиентов или планы действий), которую хранят прошлые отчёты: переименуйте или перенесите её",
    ),
    ("choose a driver", "выберите фактор"),
    ("choose a kind", "выберите тип"),
    ("{email} already exists", "{email} уже есть"),
    (
        "a bank item brings its own kind, driver and texts; give only `required` with it",
        "вопрос из банка уже содержит тип, фактор и тексты; укажите для него только `required`",
    ),
    (
        "a choice question needs options",
        "для вопроса с выбором нужны варианты ответа",
    ),
    ("a manager needs a team", "руководителю нужна команда"),
    ("a period is at most {n} days", "период не длиннее {n} дн."),
    (
        "a person with this e-mail already exists",
        "сотрудник с такой эл. почтой уже есть",
    ),
    (
        "a record with the same unique value already exists",
        "запись с таким же уникальным значением уже существует",
    ),
    (
        "a reply has at most {n} characters",
        "ответ не длиннее {n} символов",
    ),
    (
        "a reply needs at least {n} characters",
        "ответ должен быть не короче {n} символов",
    ),
    (
        "a round of this survey is already open",
        "раунд этого опроса уже открыт",
    ),
    (
        "a suggestion that is {status} cannot change status",
        "у предложения в статусе «{status}» статус менять нельзя",
    ),
    (
        "a survey needs at least one question",
        "в опросе должен быть хотя бы один вопрос",
    ),
    (
        "a team cannot be placed under itself or its own descendant",
        "команду нельзя поместить внутрь неё самой или её подкоманды",
    ),
    (
        "a team cannot serve itself",
        "команда не может обслуживать саму себя",
    ),
    (
        "a {metric} score is a whole number from {lo} to {hi}",
        "оценка {metric} — целое число от {lo} до {hi}",
    ),
    (
        "an internal error occurred; it has been logged",
        "произошла внутренняя ошибка; она записана в журнал",
    ),
    (
        "another team has this key",
        "этот ключ уже есть у другой команды",
    ),
    (
        "anonymous suggestions need at least {k} people who could have written them; the organisation has fewer, so send it signed",
        "для анонимного предложения нужно не меньше {k} человек, которые могли бы его написать, а в организации их меньше: отправьте его под своим именем",
    ),
    ("answered twice", "ответ дан дважды"),
    ("appears twice in the file", "встречается в файле дважды"),
    ("at most 100 managers", "не больше 100 руководителей"),
    ("at most 500 teams", "не больше 500 команд"),
    ("at most {n} answers", "не больше {n} ответов"),
    ("at most {n} questions", "не больше {n} вопросов"),
    (
        "at most {n} ratings a request",
        "не больше {n} оценок за один запрос",
    ),
    (
        "at most {n} rows per import",
        "не больше {n} строк за один импорт",
    ),
    ("authentication is required", "нужно войти в систему"),
    (
        "cannot read the header: {error}",
        "не удалось прочитать заголовок: {error}",
    ),
    (
        "choice is not among the options",
        "такого варианта нет среди предложенных",
    ),
    ("choose a cadence", "выберите периодичность"),
    ("choose how many reminders", "выберите число напоминаний"),
    ("choose a status", "выберите статус"),
    ("choose a touchpoint", "выберите точку контакта"),
    (
        "from {status} the allowed transitions are: {allowed}",
        "из статуса «{status}» можно перейти только в: {allowed}",
    ),
    ("give 2 to {n} options", "укажите от 2 до {n} вариантов"),
    (
        "give a `choice` for this question",
        "для этого вопроса выберите вариант",
    ),
    (
        "give a `text` for this question",
        "для этого вопроса нужен текст",
    ),
    (
        "give a `value` for this question",
        "для этого вопроса нужно числовое значение",
    ),
    ("give a date", "укажите дату"),
    (
        "give a driver, or a bank_item",
        "укажите фактор или вопрос из банка",
    ),
    (
        "give a kind, or a bank_item",
        "укажите тип вопроса или вопрос из банка",
    ),
    ("give a number of days", "укажите число дней"),
    ("give a whole number", "укажите целое число"),
    (
        "give exactly one of team_id and team_key",
        "укажите что-то одно: team_id или team_key",
    ),
    ("is not the current password", "это не текущий пароль"),
    ("listed twice", "указано дважды"),
    ("must be 0 to 3", "должно быть от 0 до 3"),
    (
        "must be 1 to 1200 months",
        "должно быть от 1 до 1200 месяцев",
    ),
    (
        "must be 1 to 200 characters",
        "должно быть от 1 до 200 символов",
    ),
    (
        "must be 1 to {max} days for a {cadence} survey (no longer than the cadence)",
        "должно быть от 1 до {max} дн. для опроса, проводимого {cadence} (не дольше периода)",
    ),
    (
        "must be a date like 2024-03-31",
        "должно быть датой вида 2024-03-31",
    ),
    (
        "must be a date like 2026-03-31",
        "должно быть датой вида 2026-03-31",
    ),
    ("must be a number", "должно быть числом"),
    (
        "must be a positive number",
        "должно быть положительным числом",
    ),
    (
        "must be an e-mail address like name@example.org",
        "должно быть адресом эл. почты вида name@example.org",
    ),
    (
        "must be at least {n} characters",
        "должно быть не короче {n} символов",
    ),
    (
        "must be at most 1024 bytes",
        "должно быть не длиннее 1024 байт",
    ),
    (
        "must be at most 254 characters",
        "должно быть не длиннее 254 символов",
    ),
    (
        "must be at most {n} characters",
        "должно быть не длиннее {n} символов",
    ),
    ("must be csat, nps or ces", "должно быть csat, nps или ces"),
    ("must be en or ru", "должно быть en или ru"),
    (
        "must be from {floor} to 1000",
        "должно быть от {floor} до 1000",
    ),
    ("must be from 0 to {most}", "должно быть от 0 до {most}"),
    ("must be true or false", "должно быть true или false"),
    ("must not be after `to`", "не должно быть позже `to`"),
    ("a day as YYYY-MM-DD", "день в виде ГГГГ-ММ-ДД"),
    (
        "the request body must be a JSON object",
        "тело запроса должно быть JSON-объектом",
    ),
    (
        "tick the box to confirm the deactivation",
        "отметьте флажок, чтобы подтвердить деактивацию",
    ),
    (
        "must not be before starts_on",
        "не должно быть раньше даты начала",
    ),
    ("must not be empty", "не должно быть пустым"),
    (
        "must not contain control characters",
        "не должно содержать управляющих символов",
    ),
    ("no such active person", "нет такого активного сотрудника"),
    ("no such bank item", "в банке нет такого вопроса"),
    ("no such team", "нет такой команды"),
    (
        "no such team: give its id, its key for imports, its name or its path like Company/Sales",
        "нет такой команды: укажите её id, ключ для импорта, название или путь вида Company/Sales",
    ),
    (
        "several teams are named {name}: give its path like Company/Sales, or its key for imports",
        "несколько команд называются {name}: укажите путь вида Company/Sales или ключ для импорта",
    ),
    ("not a number on the scale", "это не число на шкале"),
    (
        "not a question of this round",
        "такого вопроса нет в этом раунде",
    ),
    ("not an e-mail address", "это не адрес эл. почты"),
    (
        "only an admin may grant admin",
        "роль admin может выдать только администратор",
    ),
    (
        "only an admin may remove admin",
        "роль admin может снять только администратор",
    ),
    (
        "only an internal team serves other teams",
        "обслуживать другие команды может только внутренняя команда",
    ),
    (
        "only choice questions have options",
        "варианты ответа бывают только у вопросов с выбором",
    ),
    (
        "questions, cuts and min_group are frozen once the first round has opened",
        "вопросы, срезы и минимальный размер группы нельзя менять после открытия первого раунда",
    ),
    (
        "roles must be hr or admin",
        "роли могут быть только hr или admin",
    ),
    (
        "scores are released only after the round closes",
        "результаты публикуются только после закрытия раунда",
    ),
    (
        "the answers of this round were deleted on {day} under the organisation's retention settings",
        "ответы этого раунда удалены {day} по правилам хранения данных организации",
    ),
    (
        "must be a whole number of months",
        "должно быть целым числом месяцев",
    ),
    (
        "the audit log is kept for at least {n} months (PCI DSS v4.0 requirement 10.5.1)",
        "журнал аудита хранится не меньше {n} месяцев (требование 10.5.1 PCI DSS v4.0)",
    ),
    (
        "the comments of this round were deleted on {day} under the organisation's retention settings",
        "комментарии этого раунда удалены {day} по правилам хранения данных организации",
    ),
    (
        "served teams must be frontline teams",
        "обслуживаемые команды должны быть фронтовыми",
    ),
    (
        "text must be at most {n} characters",
        "текст должен быть не длиннее {n} символов",
    ),
    (
        "the activation token has expired; ask HR for a new one",
        "срок действия кода активации истёк; попросите в HR новый",
    ),
    (
        "the database already has teams; the demo seeds an empty one",
        "в базе уже есть команды; демо-данные загружаются только в пустую базу",
    ),
    (
        "the file must be UTF-8",
        "файл должен быть в кодировке UTF-8",
    ),
    (
        "the header must have a `{column}` column",
        "в заголовке должен быть столбец `{column}`",
    ),
    (
        "the person has already activated their account",
        "сотрудник уже активировал учётную запись",
    ),
    ("the person is deactivated", "сотрудник деактивирован"),
    (
        "the person is already erased",
        "данные сотрудника уже стёрты",
    ),
    (
        "you cannot erase yourself",
        "нельзя стереть собственные данные",
    ),
    (
        "tick the box to confirm the erasure",
        "отметьте флажок, чтобы подтвердить стирание",
    ),
    (
        "the record is referenced by, or references, another",
        "на запись ссылается другая запись, или она сама ссылается на другую",
    ),
    (
        "the request body is larger than {n} bytes",
        "тело запроса больше {n} байт",
    ),
    ("the round is not open", "раунд не открыт"),
    (
        "only a failed or cancelled message can be retried",
        "повторить можно только неотправленное или отменённое сообщение",
    ),
    (
        "this pulse has already been answered",
        "на этот опрос уже ответили",
    ),
    (
        "this code has already been used",
        "этот код уже использован",
    ),
    (
        "everyone this code was printed for has answered",
        "все, для кого напечатан этот код, уже ответили",
    ),
    ("the round has closed", "раунд закрыт"),
    (
        "the service is temporarily unavailable",
        "сервис временно недоступен",
    ),
    ("the survey is archived", "опрос в архиве"),
    // webhooks
    (
        "must be an http:// or https:// URL with a host, without spaces",
        "нужен адрес http:// или https:// с именем сервера, без пробелов",
    ),
    (
        "give one to five events",
        "укажите от одного до пяти событий",
    ),
    (
        "this bank item is already in the survey",
        "этот вопрос из банка уже есть в опросе",
    ),
    (
        "this question requires an answer",
        "на этот вопрос нужно ответить",
    ),
    (
        "this survey does not collect that cut",
        "этот опрос не собирает такой срез",
    ),
    (
        "too many attempts; retry after {s} s",
        "слишком много попыток; повторите через {s} с",
    ),
    ("too many rows", "слишком много строк"),
    (
        "unknown column `{column}`",
        "неизвестный столбец `{column}`",
    ),
    (
        "unreadable row: {error}",
        "не удалось прочитать строку: {error}",
    ),
    (
        "value must be a whole number from {lo} to {hi}",
        "значение должно быть целым числом от {lo} до {hi}",
    ),
    (
        "you are not allowed to do this",
        "у вас нет права на это действие",
    ),
    (
        "password sign-in is off here; sign in with your company account",
        "вход по паролю здесь отключён; войдите через учётную запись компании",
    ),
    (
        "you cannot deactivate yourself",
        "нельзя деактивировать самого себя",
    ),
    (
        "you have already answered this round",
        "вы уже ответили в этом раунде",
    ),
    (
        "you manage several teams: choose one",
        "вы руководите несколькими командами: выберите одну",
    ),
    (
        "you need a team to raise a suggestion",
        "чтобы подать предложение, нужно состоять в команде",
    ),
    ("{what} not found", "не найдено: {what}"),
    // actions
    (
        "give at most one of driver, theme and suggestion_id",
        "укажите не больше одного: фактор, тему или предложение",
    ),
    ("unknown team", "такой команды нет"),
    ("unknown driver", "такого фактора нет"),
    ("unknown person", "такого сотрудника нет"),
    ("unknown suggestion", "такого предложения нет"),
    (
        "the owner must be able to see the action: a member of its team, one of its managers, or HR",
        "ответственный должен видеть действие: участник команды, её руководитель или HR",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t(..)`/`tf(..)` text in the page sources has a Russian entry.
    #[test]
    fn every_page_text_has_a_russian_translation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut missing = Vec::new();
        let (mut seen, mut plurals) = (0, 0);
        for entry in std::fs::read_dir(&dir).expect("src/web") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs")
                || path.file_name().and_then(|n| n.to_str()) == Some("i18n.rs")
            {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("read");
            for text in quoted_texts(&src) {
                seen += 1;
                if ru(&text).is_none() {
                    missing.push(format!("{}: {text}", path.display()));
                }
            }
            for (one, other) in plural_texts(&src, "tn(") {
                plurals += 1;
                if let Err(e) = check_plural(&one, &other) {
                    missing.push(format!("{}: {e}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no Russian for:\n{}",
            missing.join("\n")
        );
        // The scan found the pages' texts (it would pass on finding none).
        assert!(seen > 200, "only {seen} page texts found");
        assert!(plurals >= 7, "only {plurals} plural page texts found");
    }

    /// The string literal that follows each `t(<lang>, ` or `tf(<lang>, ` call, with
    /// `\"` unescaped and line continuations joined.
    fn quoted_texts(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in [
            "t(c.lang,",
            "t(lang,",
            "tf(c.lang,",
            "tf(lang,",
            "t(s.lang,",
            "tf(s.lang,",
        ] {
            let mut rest = src;
            while let Some(i) = rest.find(marker) {
                let standalone = rest[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                rest = &rest[i + marker.len()..];
                if !standalone {
                    continue;
                }
                out.extend(leading_literal(rest));
            }
        }
        out
    }

    /// The two string literals (the English `one` and `other` forms) that follow
    /// `marker` and a first argument (`tn(lang, "..", "..", ..)`, or with `marker` =
    /// `Msg::plural(`, the first two arguments).
    fn plural_texts(src: &str, marker: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, _) in src.match_indices(marker) {
            let standalone = src[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            if !standalone && marker == "tn(" {
                continue;
            }
            let mut rest = &src[i + marker.len()..];
            if marker == "tn(" {
                match after_first_argument(rest) {
                    Some(r) => rest = r,
                    None => continue,
                }
            }
            let Some(one) = leading_literal(rest) else {
                continue;
            };
            let Some(other) = after_first_argument(rest).and_then(leading_literal) else {
                continue;
            };
            out.push((one, other));
        }
        out
    }

    /// The placeholders of `text`, e.g. `{n}`.
    fn placeholders(text: &str) -> Vec<&str> {
        text.match_indices('{')
            .map(|(i, _)| {
                let end = text[i..].find('}').map_or(text.len(), |e| i + e + 1);
                &text[i..end]
            })
            .collect()
    }

    /// A plural text has `{n}` and the same placeholders in both English forms, and
    /// Russian forms for every CLDR category that keep them all.
    fn check_plural(one: &str, other: &str) -> Result<(), String> {
        let mut want = placeholders(other);
        want.sort_unstable();
        let mut got = placeholders(one);
        got.sort_unstable();
        if !want.contains(&"{n}") || want != got {
            return Err(format!(
                "{one:?} / {other:?}: placeholders differ or lack {{n}}"
            ));
        }
        let forms = ru_plural(other).ok_or_else(|| format!("no Russian forms for {other:?}"))?;
        for form in forms {
            for p in &want {
                if !form.contains(p) {
                    return Err(format!("{form:?} lacks {p} of {other:?}"));
                }
            }
        }
        Ok(())
    }

    /// Every message literal the API builds (`ApiError::invalid(field, "..")`,
    /// `Msg::new("..")`, `Conflict("..")`, `Gone("..")`, row errors) has a Russian entry,
    /// and every placeholder of the English template is kept in the Russian one.
    #[test]
    fn every_api_message_has_a_russian_translation() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().and_then(|e| e.to_str()) == Some("rs")
                    && path.file_name().and_then(|n| n.to_str()) != Some("i18n.rs")
                {
                    files.push(path);
                }
            }
        }
        let mut missing = Vec::new();
        let (mut seen, mut plurals) = (0, 0);
        for path in files {
            let src = std::fs::read_to_string(&path).expect("read");
            for text in message_literals(&src) {
                seen += 1;
                match ru_msg(&text) {
                    None => missing.push(format!("{}: {text}", path.display())),
                    Some(ru) => {
                        for (i, _) in text.match_indices('{') {
                            let end = text[i..].find('}').map_or(text.len(), |e| i + e + 1);
                            let placeholder = &text[i..end];
                            assert!(
                                ru.contains(placeholder),
                                "{ru:?} lacks {placeholder} of {text:?}"
                            );
                        }
                    }
                }
            }
            for (one, other) in plural_texts(&src, "Msg::plural(") {
                plurals += 1;
                if let Err(e) = check_plural(&one, &other) {
                    missing.push(format!("{}: {e}", path.display()));
                }
            }
        }
        assert!(seen > 50, "the scan found only {seen} messages");
        assert!(
            plurals >= 4,
            "the scan found only {plurals} plural messages"
        );
        assert!(
            missing.is_empty(),
            "no Russian for these API messages:\n{}",
            missing.join("\n")
        );
    }

    /// The string literals given as messages: the second argument of `invalid(`,
    /// `bad(` and `FieldError::new(`, the first of `Msg::new(`, `Conflict(`, `Gone(`.
    fn message_literals(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (marker, nth) in [
            ("invalid(", 2),
            ("bad(", 2),
            ("FieldError::new(", 2),
            ("Msg::new(", 1),
            ("Conflict(", 1),
            ("Gone(", 1),
        ] {
            for (i, _) in src.match_indices(marker) {
                let standalone = src[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                if !standalone {
                    continue;
                }
                let mut rest = &src[i + marker.len()..];
                if nth == 2 {
                    match after_first_argument(rest) {
                        Some(r) => rest = r,
                        None => continue,
                    }
                }
                if let Some(text) = leading_literal(rest) {
                    out.push(text);
                }
            }
        }
        out
    }

    /// What follows the first top-level comma of an argument list, if any.
    fn after_first_argument(s: &str) -> Option<&str> {
        let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
        for (i, c) in s.char_indices() {
            if in_str {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => return None,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => return Some(&s[i + 1..]),
                _ => {}
            }
        }
        None
    }

    /// The string literal `s` starts with (after white space), unescaped.
    fn leading_literal(s: &str) -> Option<String> {
        let body = s.trim_start().strip_prefix('"')?;
        let mut text = String::new();
        let mut chars = body.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => match chars.next() {
                    Some('"') => text.push('"'),
                    Some('\n') => {
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    Some(other) => {
                        text.push('\\');
                        text.push(other);
                    }
                    None => return None,
                },
                '"' => return Some(text),
                other => text.push(other),
            }
        }
        None
    }

    #[test]
    fn api_messages_are_translated_with_their_values() {
        let m = Msg::new("must be at most {n} characters").arg("n", 200);
        assert_eq!(msg(Language::En, &m), "must be at most 200 characters");
        assert_eq!(msg(Language::Ru, &m), "должно быть не длиннее 200 символов");
        let termed =
            Msg::new("a suggestion that is {status} cannot change status").term("status", "done");
        assert_eq!(
            msg(Language::Ru, &termed),
            "у предложения в статусе «сделано» статус менять нельзя"
        );
        assert_eq!(
            msg(Language::En, &termed),
            "a suggestion that is done cannot change status"
        );
        let one = Msg::plural("{n} invalid item", "{n} invalid items", 1);
        let three = Msg::plural("{n} invalid item", "{n} invalid items", 3);
        let five = Msg::plural("{n} invalid item", "{n} invalid items", 5);
        assert_eq!(msg(Language::En, &one), "1 invalid item");
        assert_eq!(msg(Language::En, &three), "3 invalid items");
        assert_eq!(msg(Language::Ru, &one), "1 ошибка в данных");
        assert_eq!(msg(Language::Ru, &three), "3 ошибки в данных");
        assert_eq!(msg(Language::Ru, &five), "5 ошибок в данных");
        let dynamic = Msg::from("expected a string".to_owned());
        assert_eq!(msg(Language::Ru, &dynamic), "expected a string");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Language::Ru, "Open until {date}", &[("date", "1 мая")]),
            "Открыт до 1 мая"
        );
        assert_eq!(t(Language::En, "Sign in"), "Sign in");
        let votes = |lang, n| tn(lang, "{n} vote", "{n} votes", n, &[]);
        assert_eq!(votes(Language::En, 1), "1 vote");
        assert_eq!(votes(Language::En, 0), "0 votes");
        assert_eq!(votes(Language::Ru, 21), "21 голос");
        assert_eq!(votes(Language::Ru, 22), "22 голоса");
        assert_eq!(votes(Language::Ru, 11), "11 голосов");
    }
}
