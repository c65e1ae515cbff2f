//! What an inbox's widget asks and shows, as an admin sets it: the pre-chat form, the
//! departments offered in it, business hours, what visitors get when nobody answers, and how
//! the widget looks. Kept as one document per inbox; every part has a default, so
//! an inbox nobody configured behaves as before (no form, no departments). The rules that
//! check an admin's settings and a visitor's answers are plain functions here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Everything the widget of one inbox asks and shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSettings {
    /// The form a visitor fills in before their first message.
    #[serde(default)]
    pub form: ChatForm,
    /// Other inboxes (by id) the visitor may choose between; empty: none offered.
    #[serde(default)]
    pub departments: Vec<i64>,
    /// When the team answers chats.
    #[serde(default)]
    pub hours: BusinessHours,
    /// What visitors get when nobody answers: the offline form and its words.
    #[serde(default)]
    pub away: Away,
    /// How the widget looks.
    #[serde(default)]
    pub look: Look,
    /// What the widget asks when a chat ends.
    #[serde(default)]
    pub rating: RatingScale,
}

impl WidgetSettings {
    /// Whether a new visitor is shown a form before writing: a form, or a choice between
    /// departments (`departments_open`: how many of those listed exist and take chats).
    pub fn asks_before_chat(&self, departments_open: usize) -> bool {
        self.form.mode != FormMode::Off || departments_open > 0
    }
}

/// An inbox's weekly opening hours in its time zone, and its holidays. Off: always open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Whether the hours apply at all.
    #[serde(default)]
    pub enabled: bool,
    /// The IANA time zone the hours are in ("Europe/Madrid").
    #[serde(default = "utc")]
    pub time_zone: String,
    /// When it is open, by weekday.
    #[serde(default)]
    pub week: Vec<OpenSpan>,
    /// Whole days it is closed, as `YYYY-MM-DD` in its time zone.
    #[serde(default)]
    pub holidays: Vec<String>,
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Default for BusinessHours {
    fn default() -> BusinessHours {
        BusinessHours {
            enabled: false,
            time_zone: utc(),
            week: Vec::new(),
            holidays: Vec::new(),
        }
    }
}

/// Open from `from` to `to` (minutes after midnight, `to` up to 1440) on `day` (0 Monday to
/// 6 Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSpan {
    /// 0 Monday … 6 Sunday.
    pub day: u8,
    /// Opens at this minute of the day.
    pub from: u16,
    /// Closes at this minute (exclusive).
    pub to: u16,
}

impl BusinessHours {
    /// Whether it is open at this local moment: `weekday` 0 (Monday) to 6, `minute` of the
    /// day, `date` as `YYYY-MM-DD`. Hours switched off are always open.
    pub fn open_at(&self, weekday: u8, minute: u16, date: &str) -> bool {
        if !self.enabled {
            return true;
        }
        !self.holidays.iter().any(|h| h == date)
            && self
                .week
                .iter()
                .any(|span| span.day == weekday && span.from <= minute && minute < span.to)
    }
}

/// What visitors get when nobody answers, and whether they may still start a live chat when
/// no member of the inbox is online (within hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    /// With nobody online (within hours), visitors may still start a chat that waits.
    #[serde(default = "yes")]
    pub chat_when_nobody_online: bool,
    /// What the widget says instead of the chat, in English (empty: the standard words).
    #[serde(default)]
    pub message_en: String,
    /// The same in Spanish.
    #[serde(default)]
    pub message_es: String,
}

impl Default for Away {
    fn default() -> Away {
        Away {
            chat_when_nobody_online: true,
            message_en: String::new(),
            message_es: String::new(),
        }
    }
}

impl Away {
    /// The inbox's own away message in the visitor's language, if it wrote one.
    pub fn message(&self, locale: &str) -> Option<&str> {
        let own = if locale == "es" && !self.message_es.trim().is_empty() {
            &self.message_es
        } else {
            &self.message_en
        };
        Some(own.trim()).filter(|m| !m.is_empty())
    }
}

/// Whether a visitor may start a live chat now: within hours, and someone online unless the
/// inbox lets chats wait for the team.
pub fn takes_chats(within_hours: bool, someone_online: bool, away: &Away) -> bool {
    within_hours && (someone_online || away.chat_when_nobody_online)
}

/// Checks business hours and away words an admin wrote (`known_zone` says whether a time zone
/// exists): spans within a day and at most 21, holidays as real `YYYY-MM-DD` dates (at most
/// 100, sorted, each once), messages at most 500 characters.
pub fn validate_hours(
    hours: &BusinessHours,
    away: &Away,
    known_zone: impl Fn(&str) -> bool,
) -> Result<(BusinessHours, Away), AppError> {
    let time_zone = hours.time_zone.trim().to_owned();
    if !known_zone(&time_zone) {
        return Err(AppError::invalid(
            "time_zone",
            "a time zone like Europe/Madrid",
        ));
    }
    if hours.week.len() > 21
        || hours
            .week
            .iter()
            .any(|s| s.day > 6 || s.from >= s.to || s.to > 1440)
    {
        return Err(AppError::invalid(
            "week",
            "opening before closing, within the day",
        ));
    }
    let mut holidays: Vec<String> = Vec::new();
    for day in &hours.holidays {
        let day = day.trim();
        if day.is_empty() {
            continue;
        }
        if !is_date(day) {
            return Err(AppError::invalid("holidays", "dates like 2026-12-25"));
        }
        holidays.push(day.to_owned());
    }
    holidays.sort();
    holidays.dedup();
    if holidays.len() > 100 {
        return Err(AppError::invalid("holidays", "at most 100"));
    }
    for message in [&away.message_en, &away.message_es] {
        if message.chars().count() > 500 {
            return Err(AppError::invalid("away_message", "at most 500 characters"));
        }
    }
    Ok((
        BusinessHours {
            enabled: hours.enabled,
            time_zone,
            week: hours.week.clone(),
            holidays,
        },
        Away {
            chat_when_nobody_online: away.chat_when_nobody_online,
            message_en: away.message_en.trim().to_owned(),
            message_es: away.message_es.trim().to_owned(),
        },
    ))
}

/// Whether `text` is a calendar date written `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// How the widget looks on a site: its accent colour, the launcher's side and label, the
/// chat's title and greeting, and whether agents' pictures show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Look {
    /// The accent (launcher, header, send button) as `#rrggbb`.
    #[serde(default = "standard_color")]
    pub color: String,
    /// The side of the page the launcher and the chat sit on.
    #[serde(default)]
    pub side: Side,
    /// Words beside the launcher's icon (empty: the icon alone).
    #[serde(default)]
    pub launcher: String,
    /// The chat's title (empty: the inbox's name).
    #[serde(default)]
    pub title: String,
    /// The greeting above the chat in English (empty: the standard one).
    #[serde(default)]
    pub greeting_en: String,
    /// The same in Spanish.
    #[serde(default)]
    pub greeting_es: String,
    /// Agents' pictures beside their messages.
    #[serde(default = "yes")]
    pub avatars: bool,
}

/// The accent of an inbox nobody styled.
pub const STANDARD_COLOR: &str = "#2f5bea";

fn standard_color() -> String {
    STANDARD_COLOR.to_owned()
}

impl Default for Look {
    fn default() -> Look {
        Look {
            color: standard_color(),
            side: Side::Right,
            launcher: String::new(),
            title: String::new(),
            greeting_en: String::new(),
            greeting_es: String::new(),
            avatars: true,
        }
    }
}

impl Look {
    /// The greeting in the visitor's language, if the inbox wrote one.
    pub fn greeting(&self, locale: &str) -> Option<&str> {
        let own = if locale == "es" && !self.greeting_es.trim().is_empty() {
            &self.greeting_es
        } else {
            &self.greeting_en
        };
        Some(own.trim()).filter(|g| !g.is_empty())
    }
}

/// Left or right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Bottom left.
    Left,
    /// Bottom right.
    #[default]
    Right,
}

/// The text colour on an accent: white or near-black, whichever reads better, and its
/// contrast ratio (WCAG 2). Every colour reaches at least 4.5:1 with one of the two.
pub fn ink_on(color: &str) -> Option<(&'static str, f64)> {
    let [r, g, b] = rgb(color)?;
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    let on_white = 1.05 / (luminance + 0.05);
    let on_black = (luminance + 0.05) / 0.05;
    Some(if on_white >= on_black {
        ("#ffffff", on_white)
    } else {
        ("#000000", on_black)
    })
}

/// The red, green and blue of `#rrggbb`.
fn rgb(color: &str) -> Option<[u8; 3]> {
    let hex = color.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let part = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([part(0)?, part(2)?, part(4)?])
}

/// Checks a look an admin chose: a `#rrggbb` colour (lower-cased) whose text reads at
/// 4.5:1 or better, words of at most 40 (launcher), 60 (title) and 300 (greetings) characters.
pub fn validate_look(look: &Look) -> Result<Look, AppError> {
    let color = look.color.trim().to_lowercase();
    if !ink_on(&color).is_some_and(|(_, ratio)| ratio >= 4.5) {
        return Err(AppError::invalid("color", "a colour like #2f5bea"));
    }
    let short = |field: &str, text: &str, max: usize| {
        let text = text.trim();
        if text.chars().count() > max {
            Err(AppError::invalid(
                field,
                &format!("at most {max} characters"),
            ))
        } else {
            Ok(text.to_owned())
        }
    };
    Ok(Look {
        color,
        side: look.side,
        launcher: short("launcher", &look.launcher, 40)?,
        title: short("title", &look.title, 60)?,
        greeting_en: short("greeting", &look.greeting_en, 300)?,
        greeting_es: short("greeting", &look.greeting_es, 300)?,
        avatars: look.avatars,
    })
}

/// How a visitor rates an ended chat, if they are asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingScale {
    /// Not asked.
    Off,
    /// Good (kept as 5) or bad (kept as 1).
    #[default]
    GoodBad,
    /// 1 to 5.
    FiveStars,
}

impl RatingScale {
    /// The name used in forms and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingScale::Off => "off",
            RatingScale::GoodBad => "good_bad",
            RatingScale::FiveStars => "five_stars",
        }
    }

    /// Reads [`RatingScale::as_str`].
    pub fn parse(text: &str) -> Option<RatingScale> {
        [
            RatingScale::Off,
            RatingScale::GoodBad,
            RatingScale::FiveStars,
        ]
        .into_iter()
        .find(|scale| scale.as_str() == text)
    }

    /// The scores a visitor may give.
    pub fn scores(self) -> &'static [i64] {
        match self {
            RatingScale::Off => &[],
            RatingScale::GoodBad => &[5, 1],
            RatingScale::FiveStars => &[5, 4, 3, 2, 1],
        }
    }
}

/// What a rating says at a glance, whatever the scale: 4 or 5 good, 3 okay, 1 or 2 bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 4 or 5.
    Good,
    /// 3.
    Okay,
    /// 1 or 2.
    Bad,
}

/// The verdict of a score from 1 to 5.
pub fn verdict(score: i64) -> Verdict {
    match score {
        4.. => Verdict::Good,
        3 => Verdict::Okay,
        _ => Verdict::Bad,
    }
}

/// A visitor's rating, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRating {
    /// 1 to 5.
    pub score: i64,
    /// What they added (may be empty).
    pub comment: String,
}

/// The longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;

/// Checks a rating form (`score` one of the scale's, `comment` optional and short); the
/// problems by field name otherwise. An inbox that asks no rating takes none.
pub fn check_rating(
    scale: RatingScale,
    input: &BTreeMap<String, String>,
) -> Result<CheckedRating, BTreeMap<String, AnswerProblem>> {
    let given = |name: &str| input.get(name).map_or("", |value| value.trim());
    let mut problems = BTreeMap::new();
    let score = match given("score") {
        "" => {
            problems.insert("score".to_owned(), AnswerProblem::Required);
            0
        }
        text => match text.parse::<i64>() {
            Ok(score) if scale.scores().contains(&score) => score,
            _ => {
                problems.insert("score".to_owned(), AnswerProblem::Choice);
                0
            }
        },
    };
    let comment = given("comment");
    if comment.chars().count() > MAX_COMMENT_CHARS {
        problems.insert("comment".to_owned(), AnswerProblem::TooLong);
    }
    if problems.is_empty() {
        Ok(CheckedRating {
            score,
            comment: comment.to_owned(),
        })
    } else {
        Err(problems)
    }
}

/// Whether the pre-chat form is shown, and whether its fields must be filled in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormMode {
    /// No form.
    #[default]
    Off,
    /// Shown; every field may be left empty.
    Optional,
    /// Shown; every field must be filled in (a checkbox ticked).
    Required,
}

impl FormMode {
    /// The name used in forms and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            FormMode::Off => "off",
            FormMode::Optional => "optional",
            FormMode::Required => "required",
        }
    }

    /// Reads [`FormMode::as_str`].
    pub fn parse(text: &str) -> Option<FormMode> {
        [FormMode::Off, FormMode::Optional, FormMode::Required]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// The pre-chat form: the visitor's name and email, then the inbox's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatForm {
    /// Off, optional or required.
    #[serde(default)]
    pub mode: FormMode,
    /// Ask the visitor's name.
    #[serde(default = "yes")]
    pub ask_name: bool,
    /// Ask the visitor's email.
    #[serde(default = "yes")]
    pub ask_email: bool,
    /// The inbox's own questions, in order.
    #[serde(default)]
    pub fields: Vec<FormField>,
}

fn yes() -> bool {
    true
}

impl Default for ChatForm {
    fn default() -> ChatForm {
        ChatForm {
            mode: FormMode::Off,
            ask_name: true,
            ask_email: true,
            fields: Vec::new(),
        }
    }
}

/// One of an inbox's own questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Its name in the submitted form (`order_number`), unique in the form.
    pub id: String,
    /// What kind of answer it takes.
    pub kind: FieldKind,
    /// Its label in English.
    pub label_en: String,
    /// Its label in Spanish (empty: the English one).
    #[serde(default)]
    pub label_es: String,
    /// The choices of a select, as shown.
    #[serde(default)]
    pub options: Vec<String>,
}

impl FormField {
    /// The label in the visitor's language (`es` or anything else for English).
    pub fn label(&self, locale: &str) -> &str {
        if locale == "es" && !self.label_es.trim().is_empty() {
            &self.label_es
        } else {
            &self.label_en
        }
    }
}

/// The kinds of question a form may ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A line of text.
    Text,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// One of [`FormField::options`].
    Select,
    /// Ticked or not.
    Checkbox,
}

impl FieldKind {
    /// Every kind, in the order the admin page offers them.
    pub const ALL: [FieldKind; 5] = [
        FieldKind::Text,
        FieldKind::Email,
        FieldKind::Phone,
        FieldKind::Select,
        FieldKind::Checkbox,
    ];

    /// The name used in forms and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Select => "select",
            FieldKind::Checkbox => "checkbox",
        }
    }

    /// Reads [`FieldKind::as_str`].
    pub fn parse(text: &str) -> Option<FieldKind> {
        FieldKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// The most questions of an inbox's own in one form.
pub const MAX_FIELDS: usize = 10;
/// The most choices of a select.
pub const MAX_OPTIONS: usize = 30;
/// The longest label or choice, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// The longest answer to a text question, in characters.
pub const MAX_ANSWER_CHARS: usize = 500;

/// Checks a form an admin wrote: labels present and short, ids unique and made of lowercase
/// letters, digits and `_`, a select with 1 to [`MAX_OPTIONS`] choices, at most
/// [`MAX_FIELDS`] questions. Trims what it keeps.
pub fn validate_form(form: &ChatForm) -> Result<ChatForm, AppError> {
    if form.fields.len() > MAX_FIELDS {
        return Err(AppError::invalid("fields", "at most 10 questions"));
    }
    let mut fields: Vec<FormField> = Vec::with_capacity(form.fields.len());
    for field in &form.fields {
        let id = field.id.trim().to_owned();
        let id_ok = (1..=40).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !RESERVED.contains(&id.as_str());
        if !id_ok || fields.iter().any(|f| f.id == id) {
            return Err(AppError::invalid("field_id", &id));
        }
        let label_en = label(&field.label_en)?;
        let label_es = match field.label_es.trim() {
            "" => String::new(),
            given => label(given)?,
        };
        let options = match field.kind {
            FieldKind::Select => {
                let options: Vec<String> = field
                    .options
                    .iter()
                    .map(|option| option.trim())
                    .filter(|option| !option.is_empty())
                    .map(label)
                    .collect::<Result<_, _>>()?;
                if options.is_empty() || options.len() > MAX_OPTIONS {
                    return Err(AppError::invalid("options", "1 to 30 choices"));
                }
                options
            }
            _ => Vec::new(),
        };
        fields.push(FormField {
            id,
            kind: field.kind,
            label_en,
            label_es,
            options,
        });
    }
    Ok(ChatForm {
        fields,
        ..form.clone()
    })
}

/// Names the form itself uses, which a question may not take.
const RESERVED: [&str; 4] = ["token", "name", "email", "department"];

fn label(text: &str) -> Result<String, AppError> {
    crate::rules::validate_text("label", text, MAX_LABEL_CHARS)
}

/// What a visitor answered, as kept on their profile: the question as they read it and
/// their answer ("yes" or "no" for a checkbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAnswer {
    /// The question, in the visitor's language at the time.
    pub label: String,
    /// The answer.
    pub value: String,
}

/// A visitor's submitted form, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedAnswers {
    /// Their name, if asked and given.
    pub name: Option<String>,
    /// Their email, if asked and given.
    pub email: Option<String>,
    /// The department chosen (an inbox id among those offered).
    pub department: Option<i64>,
    /// The answers to the inbox's own questions (empty ones left out).
    pub answers: Vec<FormAnswer>,
}

/// Why a submitted answer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    /// Left empty where the form requires it.
    Required,
    /// Not an email address.
    Email,
    /// Not a phone number.
    Phone,
    /// Not one of the choices.
    Choice,
    /// Longer than [`MAX_ANSWER_CHARS`].
    TooLong,
}

/// Checks a visitor's submitted form (`input`: field name to value, as posted; a checkbox is
/// present when ticked). `departments` are the ids offered; `locale` words the kept labels.
/// Returns the problems by field name when anything is wrong (nothing is kept then).
pub fn check_answers(
    form: &ChatForm,
    departments: &[i64],
    input: &BTreeMap<String, String>,
    locale: &str,
) -> Result<CheckedAnswers, BTreeMap<String, AnswerProblem>> {
    let required = form.mode == FormMode::Required;
    let asked = form.mode != FormMode::Off;
    let mut problems = BTreeMap::new();
    let mut checked = CheckedAnswers::default();
    let given = |name: &str| input.get(name).map_or("", |value| value.trim());
    let mut take = |name: &str, kind: FieldKind, choices: &[String]| -> Option<String> {
        match check_answer(given(name), kind, required, choices) {
            Ok(value) => value,
            Err(problem) => {
                problems.insert(name.to_owned(), problem);
                None
            }
        }
    };
    if asked && form.ask_name {
        checked.name = take("name", FieldKind::Text, &[]);
    }
    if asked && form.ask_email {
        checked.email = take("email", FieldKind::Email, &[]);
    }
    if asked {
        for field in &form.fields {
            if let Some(value) = take(&field.id, field.kind, &field.options) {
                checked.answers.push(FormAnswer {
                    label: field.label(locale).to_owned(),
                    value,
                });
            }
        }
    }
    if !departments.is_empty() {
        match given("department").parse::<i64>() {
            Ok(id) if departments.contains(&id) => checked.department = Some(id),
            _ => {
                problems.insert("department".to_owned(), AnswerProblem::Choice);
            }
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// Checks one answer: `Ok(None)` when left empty and allowed to be; a checkbox answers
/// "yes" or "no".
fn check_answer(
    value: &str,
    kind: FieldKind,
    required: bool,
    choices: &[String],
) -> Result<Option<String>, AnswerProblem> {
    if kind == FieldKind::Checkbox {
        return match (value.is_empty(), required) {
            (true, true) => Err(AnswerProblem::Required),
            (true, false) => Ok(Some("no".to_owned())),
            (false, _) => Ok(Some("yes".to_owned())),
        };
    }
    if value.is_empty() {
        return if required {
            Err(AnswerProblem::Required)
        } else {
            Ok(None)
        };
    }
    if value.chars().count() > MAX_ANSWER_CHARS {
        return Err(AnswerProblem::TooLong);
    }
    match kind {
        FieldKind::Email => crate::rules::validate_email(value)
            .map(Some)
            .map_err(|_| AnswerProblem::Email),
        FieldKind::Phone => crate::rules::validate_phone(value)
            .map(Some)
            .map_err(|_| AnswerProblem::Phone),
        FieldKind::Select if !choices.iter().any(|choice| choice == value) => {
            Err(AnswerProblem::Choice)
        }
        _ => Ok(Some(value.to_owned())),
    }
}

/// Where a visitor's new conversation starts: the department they chose while the inbox
/// still offers it and it takes chats (`usable`), else the inbox of their widget.
pub fn starting_inbox(
    own: i64,
    settings: &WidgetSettings,
    chosen: Option<i64>,
    usable: bool,
) -> i64 {
    match chosen {
        Some(id) if usable && settings.departments.contains(&id) => id,
        _ => own,
    }
}

/// A visitor's offline message, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineMessage {
    /// Their name, if given.
    pub name: Option<String>,
    /// Where the team answers.
    pub email: String,
    /// What they wrote.
    pub message: String,
}

/// The longest offline message, in characters.
pub const MAX_OFFLINE_CHARS: usize = 5_000;

/// Checks the offline form (`name` optional, `email` and `message` required); the problems
/// by field name when anything is wrong.
pub fn check_offline_message(
    input: &BTreeMap<String, String>,
) -> Result<OfflineMessage, BTreeMap<String, AnswerProblem>> {
    let given = |name: &str| input.get(name).map_or("", |value| value.trim());
    let mut problems = BTreeMap::new();
    let mut take = |name: &str, kind: FieldKind, required: bool| match check_answer(
        given(name),
        kind,
        required,
        &[],
    ) {
        Ok(value) => value,
        Err(problem) => {
            problems.insert(name.to_owned(), problem);
            None
        }
    };
    let name = take("name", FieldKind::Text, false);
    let email = take("email", FieldKind::Email, true);
    let message = given("message");
    if message.is_empty() {
        problems.insert("message".to_owned(), AnswerProblem::Required);
    } else if message.chars().count() > MAX_OFFLINE_CHARS {
        problems.insert("message".to_owned(), AnswerProblem::TooLong);
    }
    match (email, problems.is_empty()) {
        (Some(email), true) => Ok(OfflineMessage {
            name,
            email,
            message: message.to_owned(),
        }),
        _ => Err(problems),
    }
}

/// Checks the departments an admin offers in an inbox's widget: existing inboxes
/// (`known`), each once, at most 20.
pub fn validate_departments(chosen: &[i64], known: &[i64]) -> Result<Vec<i64>, AppError> {
    let mut kept: Vec<i64> = Vec::new();
    for id in chosen {
        if !known.contains(id) {
            return Err(AppError::invalid("departments", "an inbox that exists"));
        }
        if !kept.contains(id) {
            kept.push(*id);
        }
    }
    if kept.len() > 20 {
        return Err(AppError::invalid("departments", "at most 20"));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, kind: FieldKind) -> FormField {
        FormField {
            id: id.to_owned(),
            kind,
            label_en: format!("{id} label"),
            label_es: String::new(),
            options: if kind == FieldKind::Select {
                vec!["Small".to_owned(), "Large".to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    fn form(mode: FormMode, fields: Vec<FormField>) -> ChatForm {
        ChatForm {
            mode,
            fields,
            ..ChatForm::default()
        }
    }

    fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_empty_document_is_every_default() {
        let settings: WidgetSettings = serde_json::from_str("{}").expect("defaults");
        assert_eq!(settings, WidgetSettings::default());
        assert!(!settings.asks_before_chat(0));
        assert!(settings.asks_before_chat(1));
        assert!(settings.form.ask_name && settings.form.ask_email);
    }

    #[test]
    fn a_required_form_refuses_empty_and_malformed_answers_all_at_once() {
        let form = form(
            FormMode::Required,
            vec![
                field("order", FieldKind::Text),
                field("size", FieldKind::Select),
                field("phone_number", FieldKind::Phone),
                field("terms", FieldKind::Checkbox),
            ],
        );
        let problems = check_answers(
            &form,
            &[],
            &input(&[
                ("email", "not-an-email"),
                ("size", "Huge"),
                ("phone_number", "call me"),
            ]),
            "en",
        )
        .expect_err("refused");
        assert_eq!(problems.get("name"), Some(&AnswerProblem::Required));
        assert_eq!(problems.get("email"), Some(&AnswerProblem::Email));
        assert_eq!(problems.get("order"), Some(&AnswerProblem::Required));
        assert_eq!(problems.get("size"), Some(&AnswerProblem::Choice));
        assert_eq!(problems.get("phone_number"), Some(&AnswerProblem::Phone));
        assert_eq!(problems.get("terms"), Some(&AnswerProblem::Required));
    }

    #[test]
    fn an_optional_form_keeps_what_was_given_in_the_visitors_language() {
        let mut order = field("order", FieldKind::Text);
        order.label_es = "Pedido".to_owned();
        let form = form(
            FormMode::Optional,
            vec![order, field("terms", FieldKind::Checkbox)],
        );
        let checked = check_answers(
            &form,
            &[],
            &input(&[("email", " Ana@Example.COM "), ("order", " A-17 ")]),
            "es",
        )
        .expect("accepted");
        assert_eq!(checked.name, None);
        assert_eq!(checked.email.as_deref(), Some("ana@example.com"));
        assert_eq!(
            checked.answers,
            vec![
                FormAnswer {
                    label: "Pedido".to_owned(),
                    value: "A-17".to_owned()
                },
                FormAnswer {
                    label: "terms label".to_owned(),
                    value: "no".to_owned()
                },
            ]
        );
    }

    #[test]
    fn a_department_must_be_one_of_those_offered_even_without_a_form() {
        let off = ChatForm::default();
        assert_eq!(
            check_answers(&off, &[4, 7], &input(&[("department", "7")]), "en")
                .expect("offered")
                .department,
            Some(7)
        );
        for bad in ["", "5", "seven"] {
            let problems = check_answers(&off, &[4, 7], &input(&[("department", bad)]), "en")
                .expect_err("not offered");
            assert_eq!(problems.get("department"), Some(&AnswerProblem::Choice));
        }
        // No form and no departments: nothing asked, nothing kept, even if sent.
        let checked = check_answers(&off, &[], &input(&[("name", "Eve")]), "en").expect("ok");
        assert_eq!(checked, CheckedAnswers::default());
    }

    #[test]
    fn an_admins_form_is_checked_and_trimmed() {
        let mut good = field("order", FieldKind::Select);
        good.options = vec![" One ".to_owned(), String::new(), "Two".to_owned()];
        let checked = validate_form(&form(FormMode::Required, vec![good])).expect("valid");
        assert_eq!(checked.fields[0].options, vec!["One", "Two"]);

        for bad_id in ["", "Order", "with space", "email", "token"] {
            let bad = form(FormMode::Required, vec![field(bad_id, FieldKind::Text)]);
            assert!(validate_form(&bad).is_err(), "{bad_id:?}");
        }
        let twice = form(
            FormMode::Optional,
            vec![field("a", FieldKind::Text), field("a", FieldKind::Email)],
        );
        assert!(validate_form(&twice).is_err());
        let mut no_choices = field("size", FieldKind::Select);
        no_choices.options.clear();
        assert!(validate_form(&form(FormMode::Optional, vec![no_choices])).is_err());
        let mut no_label = field("size", FieldKind::Text);
        no_label.label_en = "  ".to_owned();
        assert!(validate_form(&form(FormMode::Optional, vec![no_label])).is_err());
        let many = (0..11)
            .map(|i| field(&format!("f{i}"), FieldKind::Text))
            .collect();
        assert!(validate_form(&form(FormMode::Optional, many)).is_err());
    }

    #[test]
    fn a_new_conversation_starts_in_the_chosen_department_while_it_is_offered_and_open() {
        let settings = WidgetSettings {
            departments: vec![5, 6],
            ..WidgetSettings::default()
        };
        assert_eq!(starting_inbox(1, &settings, Some(5), true), 5);
        assert_eq!(
            starting_inbox(1, &settings, Some(5), false),
            1,
            "switched off"
        );
        assert_eq!(
            starting_inbox(1, &settings, Some(9), true),
            1,
            "no longer offered"
        );
        assert_eq!(starting_inbox(1, &settings, None, true), 1);
    }

    fn nine_to_five() -> BusinessHours {
        BusinessHours {
            enabled: true,
            time_zone: "Europe/Madrid".to_owned(),
            week: (0..5)
                .map(|day| OpenSpan {
                    day,
                    from: 9 * 60,
                    to: 17 * 60,
                })
                .collect(),
            holidays: vec!["2026-12-25".to_owned()],
        }
    }

    #[test]
    fn hours_are_open_within_a_span_of_the_day_and_never_on_a_holiday() {
        let hours = nine_to_five();
        assert!(hours.open_at(0, 9 * 60, "2026-11-30"), "Monday at nine");
        assert!(!hours.open_at(0, 17 * 60, "2026-11-30"), "closes at five");
        assert!(!hours.open_at(0, 8 * 60 + 59, "2026-11-30"));
        assert!(!hours.open_at(5, 10 * 60, "2026-12-05"), "Saturday");
        assert!(
            !hours.open_at(4, 10 * 60, "2026-12-25"),
            "a holiday on a Friday"
        );
        let off = BusinessHours::default();
        assert!(
            off.open_at(6, 3 * 60, "2026-12-25"),
            "switched off: always open"
        );
    }

    #[test]
    fn chats_are_taken_within_hours_when_someone_is_online_or_chats_may_wait() {
        let waits = Away::default();
        let refuses = Away {
            chat_when_nobody_online: false,
            ..Away::default()
        };
        assert!(takes_chats(true, false, &waits));
        assert!(!takes_chats(true, false, &refuses));
        assert!(takes_chats(true, true, &refuses));
        assert!(
            !takes_chats(false, true, &waits),
            "outside hours, whoever is online"
        );
    }

    #[test]
    fn an_admins_hours_are_checked() {
        let known = |zone: &str| zone == "Europe/Madrid";
        let (hours, away) =
            validate_hours(&nine_to_five(), &Away::default(), known).expect("valid");
        assert_eq!(hours.holidays, vec!["2026-12-25"]);
        assert_eq!(away, Away::default());
        let mut bad_zone = nine_to_five();
        bad_zone.time_zone = "Mars/Olympus".to_owned();
        assert!(validate_hours(&bad_zone, &Away::default(), known).is_err());
        let mut backwards = nine_to_five();
        backwards.week.push(OpenSpan {
            day: 2,
            from: 600,
            to: 500,
        });
        assert!(validate_hours(&backwards, &Away::default(), known).is_err());
        for bad in ["2026-02-30", "2026-13-01", "26-12-25", "Christmas"] {
            let mut dates = nine_to_five();
            dates.holidays = vec![bad.to_owned()];
            assert!(
                validate_hours(&dates, &Away::default(), known).is_err(),
                "{bad}"
            );
        }
        let mut leap = nine_to_five();
        leap.holidays = vec![
            "2028-02-29".to_owned(),
            " 2028-01-01 ".to_owned(),
            "2028-01-01".to_owned(),
        ];
        let (kept, _) = validate_hours(&leap, &Away::default(), known).expect("valid");
        assert_eq!(kept.holidays, vec!["2028-01-01", "2028-02-29"]);
        let long = Away {
            message_en: "x".repeat(501),
            ..Away::default()
        };
        assert!(validate_hours(&nine_to_five(), &long, known).is_err());
    }

    #[test]
    fn an_offline_message_needs_an_email_and_some_words() {
        let checked = check_offline_message(&input(&[
            ("email", "Ana@Example.com"),
            ("message", " Please call me back "),
        ]))
        .expect("valid");
        assert_eq!(
            checked,
            OfflineMessage {
                name: None,
                email: "ana@example.com".to_owned(),
                message: "Please call me back".to_owned(),
            }
        );
        let problems = check_offline_message(&input(&[("email", "ana@"), ("message", "  ")]))
            .expect_err("refused");
        assert_eq!(problems.get("email"), Some(&AnswerProblem::Email));
        assert_eq!(problems.get("message"), Some(&AnswerProblem::Required));
        let long = "x".repeat(MAX_OFFLINE_CHARS + 1);
        let problems = check_offline_message(&input(&[("message", &long)])).expect_err("refused");
        assert_eq!(problems.get("email"), Some(&AnswerProblem::Required));
        assert_eq!(problems.get("message"), Some(&AnswerProblem::TooLong));
    }

    #[test]
    fn the_ink_on_an_accent_is_the_more_readable_of_white_and_black() {
        assert_eq!(ink_on("#2f5bea").map(|(ink, _)| ink), Some("#ffffff"));
        assert_eq!(ink_on("#ffd500").map(|(ink, _)| ink), Some("#000000"));
        assert_eq!(ink_on("#ffffff").map(|(ink, _)| ink), Some("#000000"));
        let (_, ratio) = ink_on("#000000").expect("black");
        assert!((ratio - 21.0).abs() < 0.01, "{ratio}");
        // Every colour reads at 4.5:1 or better with one of the two.
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let color = format!("#{r:02x}{g:02x}{b:02x}");
                    let (_, ratio) = ink_on(&color).expect("a colour");
                    assert!(ratio >= 4.5, "{color}: {ratio}");
                }
            }
        }
        for bad in ["2f5bea", "#2f5be", "#2f5beaa", "#gggggg", "blue", ""] {
            assert_eq!(ink_on(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_admins_look_is_checked() {
        let look = Look {
            color: " #B42318 ".to_owned(),
            side: Side::Left,
            launcher: " Chat with us ".to_owned(),
            ..Look::default()
        };
        let checked = validate_look(&look).expect("valid");
        assert_eq!(
            (checked.color.as_str(), checked.launcher.as_str()),
            ("#b42318", "Chat with us")
        );
        let bad_color = Look {
            color: "red".to_owned(),
            ..Look::default()
        };
        assert!(validate_look(&bad_color).is_err());
        let long = Look {
            title: "x".repeat(61),
            ..Look::default()
        };
        assert!(validate_look(&long).is_err());
        let settings: WidgetSettings =
            serde_json::from_str(r#"{"look": {"side": "left"}}"#).expect("reads");
        assert_eq!(settings.look.color, STANDARD_COLOR);
        assert!(settings.look.avatars);
    }

    #[test]
    fn a_rating_is_a_score_of_the_inboxs_scale_and_a_short_comment() {
        let good = check_rating(
            RatingScale::GoodBad,
            &input(&[("score", "5"), ("comment", " Quick! ")]),
        )
        .expect("good");
        assert_eq!((good.score, good.comment.as_str()), (5, "Quick!"));
        let problems = check_rating(RatingScale::GoodBad, &input(&[("score", "3")]))
            .expect_err("3 is not good or bad");
        assert_eq!(problems.get("score"), Some(&AnswerProblem::Choice));
        assert_eq!(
            check_rating(RatingScale::FiveStars, &input(&[("score", "3")])).map(|r| r.score),
            Ok(3)
        );
        let problems = check_rating(
            RatingScale::FiveStars,
            &input(&[("comment", &"x".repeat(1_001))]),
        )
        .expect_err("refused");
        assert_eq!(problems.get("score"), Some(&AnswerProblem::Required));
        assert_eq!(problems.get("comment"), Some(&AnswerProblem::TooLong));
        assert!(
            check_rating(RatingScale::Off, &input(&[("score", "5")])).is_err(),
            "not asked"
        );
        assert_eq!(
            (verdict(5), verdict(4), verdict(3), verdict(2), verdict(1)),
            (
                Verdict::Good,
                Verdict::Good,
                Verdict::Okay,
                Verdict::Bad,
                Verdict::Bad
            )
        );
    }

    #[test]
    fn departments_are_existing_inboxes_each_once() {
        assert_eq!(validate_departments(&[3, 1, 3], &[1, 2, 3]), Ok(vec![3, 1]));
        assert!(validate_departments(&[9], &[1, 2, 3]).is_err());
    }
}
