//! The one application error type. Every refusal the server can give is a variant here, so
//! server functions, sockets and the UI agree on it; internal causes are logged on the
//! server and never sent to clients.

use serde::{Deserialize, Serialize};

/// A short, useful reason why a request changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session (agents) or visitor token (widget).
    #[error("please sign in")]
    Unauthenticated,
    /// Signed in, but this is not theirs to see or do.
    #[error("you are not allowed to do that")]
    Forbidden,
    /// Email and password do not match an account.
    #[error("wrong email or password")]
    WrongCredentials,
    /// The first admin exists already; `/setup` is closed.
    #[error("setup is already done")]
    SetupDone,
    /// This server's setup asks for the one-time token printed in its log at start-up.
    #[error("the setup token is missing or wrong")]
    SetupTokenNeeded,
    /// Too many new visitors, sockets or frames from one place: slow down.
    #[error("too many requests; wait a moment and try again")]
    RateLimited,
    /// Too many failed sign-ins from this address or for this account lately.
    #[error("too many attempts; try again in {minutes} minutes")]
    TooManyAttempts {
        /// How long to wait, rounded up.
        minutes: u64,
    },
    /// The account was disabled by an admin.
    #[error("this account is disabled")]
    AccountDisabled,
    /// The change would leave the team without an active admin.
    #[error("the last admin cannot be removed, disabled or made a non-admin")]
    LastAdmin,
    /// Another account uses that email.
    #[error("an account with that email exists already")]
    EmailTaken,
    /// A required field is empty or malformed.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A message with no text.
    #[error("the message is empty")]
    EmptyMessage,
    /// A message over [`crate::model::MAX_MESSAGE_CHARS`].
    #[error("the message is longer than {max} characters")]
    MessageTooLong {
        /// The limit.
        max: usize,
    },
    /// No inbox has that widget key.
    #[error("unknown inbox key")]
    UnknownInbox,
    /// No such thing (or not one the caller may know about).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// Only the assignee may reply.
    #[error("only the assignee can reply{}", assignee.as_ref().map(|a| format!(" ({a} has this conversation)")).unwrap_or_default())]
    NotAssignee {
        /// Who has it, if anyone.
        assignee: Option<String>,
    },
    /// Someone else took the conversation first.
    #[error("{assignee} has already taken this conversation")]
    AlreadyAssigned {
        /// Who has it.
        assignee: String,
    },
    /// The conversation has ended.
    #[error("the conversation is closed")]
    ConversationClosed,
    /// Conversations can only be given to online agents of their inbox.
    #[error("{agent} is not online")]
    AgentNotOnline {
        /// The agent who cannot take it now.
        agent: String,
    },
    /// New conversations go to agents who are Online (an Away agent keeps their own).
    #[error("set your status to Online to take new conversations")]
    NotOnline,
    /// Outside business hours, or nobody online where chats may not wait: the widget offers
    /// its offline form instead.
    #[error("nobody can chat right now; leave a message instead")]
    Unavailable,
    /// The visitor rated this conversation already (a conversation is rated once).
    #[error("you have rated this chat already")]
    AlreadyRated,
    /// The inbox asks a form (or a department) before a visitor's first message.
    #[error("please fill in the form before writing")]
    FormNeeded,
    /// A chat can only be started with a visitor who is on the site now.
    #[error("the visitor has left the site")]
    VisitorNotOnline,
    /// There is no assignee to clear.
    #[error("the conversation has no assignee")]
    NotAssigned,
    /// A file over the inbox's size limit.
    #[error("the file is larger than {}", crate::units::size_text(*max_bytes))]
    FileTooLarge {
        /// The limit, in bytes.
        max_bytes: i64,
    },
    /// The visitor sent as many bytes of files as allowed this hour, or the conversation holds
    /// as many as it may.
    #[error("no more files can be sent here for now")]
    UploadLimit,
    /// The disk that holds the data is full (or, for uploads, nearly): nothing more is saved
    /// until there is room. The same write can be sent again later.
    #[error("the server cannot save anything right now (its disk is full)")]
    StorageFull,
    /// A kind of file the inbox does not accept.
    #[error("files of type {content_type} are not accepted here")]
    FileTypeNotAllowed {
        /// The type of the refused file.
        content_type: String,
    },
    /// The visitor (or their network) is blocked in this inbox.
    #[error("you cannot send messages here")]
    Blocked {
        /// When the block ends by itself (`None`: it does not).
        until: Option<crate::calendar::Millis>,
    },
    /// Sending email needs an SMTP server in the configuration.
    #[error("email is not set up on this server")]
    MailNotConfigured,
    /// A socket frame that is not valid protocol JSON.
    #[error("malformed frame: {reason}")]
    BadFrame {
        /// What the parser said.
        reason: String,
    },
    /// Something broke on the server; the cause is in the server log.
    #[error("something went wrong on the server")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("network error: {reason}")]
    Network {
        /// What failed.
        reason: String,
    },
}

impl AppError {
    /// A stable machine-readable code, used on the socket and to pick the translated text.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::WrongCredentials => "wrong_credentials",
            AppError::SetupDone => "setup_done",
            AppError::SetupTokenNeeded => "setup_token_needed",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::RateLimited => "rate_limited",
            AppError::AccountDisabled => "account_disabled",
            AppError::LastAdmin => "last_admin",
            AppError::EmailTaken => "email_taken",
            AppError::Invalid { .. } => "invalid",
            AppError::EmptyMessage => "empty_message",
            AppError::MessageTooLong { .. } => "message_too_long",
            AppError::UnknownInbox => "unknown_inbox",
            AppError::NotFound { .. } => "not_found",
            AppError::NotAssignee { .. } => "not_assignee",
            AppError::AlreadyAssigned { .. } => "already_assigned",
            AppError::ConversationClosed => "conversation_closed",
            AppError::AgentNotOnline { .. } => "agent_not_online",
            AppError::NotAssigned => "not_assigned",
            AppError::VisitorNotOnline => "visitor_not_online",
            AppError::NotOnline => "not_online",
            AppError::FormNeeded => "form_needed",
            AppError::AlreadyRated => "already_rated",
            AppError::Unavailable => "unavailable",
            AppError::FileTooLarge { .. } => "file_too_large",
            AppError::FileTypeNotAllowed { .. } => "file_type_not_allowed",
            AppError::UploadLimit => "upload_limit",
            AppError::StorageFull => "storage_full",
            AppError::Blocked { .. } => "blocked",
            AppError::MailNotConfigured => "mail_not_configured",
            AppError::BadFrame { .. } => "bad_frame",
            AppError::Internal => "internal",
            AppError::Network { .. } => "network",
        }
    }

    /// The HTTP status a refusal is answered with (server functions, uploads, downloads), so
    /// proxies, logs and monitoring tell a wrong password from a broken server.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::WrongCredentials => 401,
            AppError::Forbidden
            | AppError::Blocked { .. }
            | AppError::SetupTokenNeeded
            | AppError::AccountDisabled => 403,
            AppError::TooManyAttempts { .. } | AppError::RateLimited | AppError::UploadLimit => 429,
            AppError::StorageFull => 507,
            AppError::NotFound { .. } | AppError::UnknownInbox => 404,
            AppError::SetupDone
            | AppError::EmailTaken
            | AppError::LastAdmin
            | AppError::NotAssignee { .. }
            | AppError::AlreadyAssigned { .. }
            | AppError::ConversationClosed
            | AppError::AgentNotOnline { .. }
            | AppError::VisitorNotOnline
            | AppError::NotOnline
            | AppError::FormNeeded
            | AppError::AlreadyRated
            | AppError::Unavailable
            | AppError::NotAssigned => 409,
            AppError::FileTooLarge { .. } => 413,
            AppError::FileTypeNotAllowed { .. } => 415,
            AppError::Invalid { .. }
            | AppError::EmptyMessage
            | AppError::MessageTooLong { .. }
            | AppError::BadFrame { .. } => 400,
            AppError::MailNotConfigured => 503,
            AppError::Network { .. } => 502,
            AppError::Internal => 500,
        }
    }

    /// Shorthand for [`AppError::Invalid`].
    pub fn invalid(field: &str, reason: &str) -> AppError {
        AppError::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// Shorthand for [`AppError::NotFound`].
    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound {
            what: what.to_owned(),
        }
    }
}

/// Refusals travel as server-function errors in the Leptos builds (the widget does without).
#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr;
        match value {
            // On the server: the request's arguments could not be read (a malformed id, a
            // missing field). That is the caller's bad input, not a network failure.
            ServerFnErrorErr::Args(reason) => AppError::invalid("arguments", &reason),
            ServerFnErrorErr::MissingArg(name) => AppError::invalid(&name, "required"),
            other => AppError::Network {
                reason: other.to_string(),
            },
        }
    }
}

/// The field an `Invalid` refusal names, failing the test for any other outcome: unit tests
/// check that a refusal is for the reason they expect, not merely that something failed.
#[cfg(test)]
#[track_caller]
pub(crate) fn invalid_field<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_serialises_with_its_code() {
        let all = [
            AppError::Unauthenticated,
            AppError::invalid("email", "bad"),
            AppError::NotAssignee {
                assignee: Some("Ana".into()),
            },
            AppError::Network {
                reason: "down".into(),
            },
            AppError::Blocked { until: Some(5) },
            AppError::MailNotConfigured,
            AppError::Internal,
        ];
        for error in all {
            let json = serde_json::to_value(&error).expect("serialisable");
            assert_eq!(json["error"], error.code());
            let back: AppError = serde_json::from_value(json).expect("deserialisable");
            assert_eq!(back, error);
        }
    }

    #[test]
    fn refusals_have_the_status_of_their_kind() {
        assert_eq!(AppError::Unauthenticated.http_status(), 401);
        assert_eq!(AppError::WrongCredentials.http_status(), 401);
        assert_eq!(AppError::Forbidden.http_status(), 403);
        assert_eq!(AppError::Blocked { until: None }.http_status(), 403);
        assert_eq!(AppError::not_found("inbox").http_status(), 404);
        assert_eq!(AppError::SetupDone.http_status(), 409);
        assert_eq!(AppError::invalid("email", "bad").http_status(), 400);
        assert_eq!(AppError::FileTooLarge { max_bytes: 1 }.http_status(), 413);
        assert_eq!(AppError::MailNotConfigured.http_status(), 503);
        assert_eq!(AppError::Internal.http_status(), 500);
    }
}
