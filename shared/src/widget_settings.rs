//! What an inbox's widget asks and shows, as an admin sets it: the pre-chat form and the
//! departments offered in it. Kept as one document per inbox; every part has a default, so
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
}

impl WidgetSettings {
    /// Whether a new visitor is shown a form before writing: a form, or a choice between
    /// departments (`departments_open`: how many of those listed exist and take chats).
    pub fn asks_before_chat(&self, departments_open: usize) -> bool {
        self.form.mode != FormMode::Off || departments_open > 0
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

    #[test]
    fn departments_are_existing_inboxes_each_once() {
        assert_eq!(validate_departments(&[3, 1, 3], &[1, 2, 3]), Ok(vec![3, 1]));
        assert!(validate_departments(&[9], &[1, 2, 3]).is_err());
    }
}
