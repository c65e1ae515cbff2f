//! Turns an [`AppError`] (or a socket refusal code) into a sentence in the reader's language.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::*;
use leptos_i18n::I18nContext;

/// The translated sentence for an error.
pub fn error_text(i18n: I18nContext<Locale>, error: &AppError) -> String {
    match error {
        AppError::Invalid { field, .. } if field == "password" => {
            t_string!(i18n, err_invalid_password).to_string()
        }
        AppError::Invalid { field, .. } if field == "api_tokens" => {
            t_string!(i18n, err_too_many_tokens).to_string()
        }
        AppError::Invalid { field, .. } if field == "webhook_endpoints" => {
            t_string!(i18n, err_too_many_endpoints).to_string()
        }
        AppError::Invalid { field, .. } => {
            let field = field_label(i18n, field);
            t_string!(i18n, err_invalid, field = field).to_string()
        }
        AppError::AlreadyAssigned { assignee } => {
            t_string!(i18n, err_already_assigned, name = assignee.clone()).to_string()
        }
        AppError::AgentNotOnline { agent } => {
            t_string!(i18n, err_agent_not_online, name = agent.clone()).to_string()
        }
        AppError::FileTooLarge { max_bytes } => t_string!(
            i18n,
            err_file_too_large,
            size = crate::units::size_text(*max_bytes)
        )
        .to_string(),
        AppError::TooManyAttempts { minutes } => {
            t_string!(i18n, err_too_many_attempts, minutes = *minutes).to_string()
        }
        AppError::FileTypeNotAllowed { content_type } => {
            t_string!(i18n, err_file_type, kind = content_type.clone()).to_string()
        }
        other => code_text(i18n, other.code()),
    }
}

/// The translated sentence for an error code (what a socket refusal carries).
pub fn code_text(i18n: I18nContext<Locale>, code: &str) -> String {
    match code {
        "unauthenticated" => t_string!(i18n, err_unauthenticated),
        "forbidden" => t_string!(i18n, err_forbidden),
        "wrong_credentials" => t_string!(i18n, err_wrong_credentials),
        "setup_done" => t_string!(i18n, err_setup_done),
        "setup_token_needed" => t_string!(i18n, err_setup_token_needed),
        "rate_limited" => t_string!(i18n, err_rate_limited),
        "email_taken" => t_string!(i18n, err_email_taken),
        "account_disabled" => t_string!(i18n, err_account_disabled),
        "last_admin" => t_string!(i18n, err_last_admin),
        "empty_message" => t_string!(i18n, err_empty_message),
        "message_too_long" => t_string!(i18n, err_message_too_long),
        "unknown_inbox" => t_string!(i18n, err_unknown_inbox),
        "not_found" => t_string!(i18n, err_not_found),
        "not_assignee" => t_string!(i18n, err_not_assignee),
        "conversation_closed" => t_string!(i18n, err_conversation_closed),
        "not_assigned" => t_string!(i18n, err_not_assigned),
        "agent_not_online" => t_string!(i18n, err_agent_offline),
        "file_too_large" | "file_type_not_allowed" => t_string!(i18n, err_file_refused),
        "visitor_not_online" => t_string!(i18n, err_visitor_not_online),
        "not_online" => t_string!(i18n, err_not_online),
        "form_needed" => t_string!(i18n, err_form_needed),
        "already_rated" => t_string!(i18n, err_already_rated),
        "unavailable" => t_string!(i18n, err_unavailable),
        "upload_limit" => t_string!(i18n, err_upload_limit),
        "storage_full" => t_string!(i18n, err_storage_full),
        "blocked" => t_string!(i18n, err_blocked),
        "mail_not_configured" => t_string!(i18n, err_mail_not_configured),
        "bad_frame" | "invalid" => t_string!(i18n, err_bad_frame),
        "network" => t_string!(i18n, err_network),
        _ => t_string!(i18n, err_internal),
    }
    .to_string()
}

fn field_label(i18n: I18nContext<Locale>, field: &str) -> String {
    match field {
        "name" => t_string!(i18n, field_name),
        "email" => t_string!(i18n, field_email),
        "role" => t_string!(i18n, field_role),
        "assignee_idle" | "visitor_idle" => t_string!(i18n, field_timer),
        "phone" => t_string!(i18n, field_phone),
        "notes" => t_string!(i18n, field_notes),
        "title" => t_string!(i18n, field_title),
        "shortcut" => t_string!(i18n, field_shortcut),
        "max_file_bytes" => t_string!(i18n, field_file_limit),
        "allowed_file_types" => t_string!(i18n, field_file_types),
        "reason" => t_string!(i18n, field_reason),
        "ip" => t_string!(i18n, field_ip),
        "subject" => t_string!(i18n, field_subject),
        "requester_email" => t_string!(i18n, field_requester_email),
        "body" | "comment" => t_string!(i18n, field_comment),
        "label" | "labels" => t_string!(i18n, field_labels),
        "webhook_url" => t_string!(i18n, field_webhook_url),
        "events" => t_string!(i18n, field_webhook_events),
        "kept_query_params" => t_string!(i18n, kept_query_params),
        "company" => t_string!(i18n, field_company),
        "query" => t_string!(i18n, field_search),
        "inbox" | "inbox_id" => t_string!(i18n, field_inbox),
        "current_password" => t_string!(i18n, field_current_password),
        "confirmation" => t_string!(i18n, field_confirm_name),
        "offline_after" => t_string!(i18n, presence_settings_heading),
        "priority" => t_string!(i18n, field_priority),
        "kind" => t_string!(i18n, field_ticket_type),
        "capacity" => t_string!(i18n, auto_assign_capacity),
        "mode" => t_string!(i18n, auto_assign_mode),
        "ticket_types" => t_string!(i18n, ticket_types_heading),
        _ => t_string!(i18n, field_inbox_name),
    }
    .to_string()
}

/// Shows an error as an alert (announced by screen readers), or nothing.
#[component]
pub fn ErrorNote(
    /// The error to show, if any.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error
            .get()
            .map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })
    }
}
