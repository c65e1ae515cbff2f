//! Sending email over SMTP (lettre): the transport built from the configuration, and one
//! message sent. The outbox calls it and retries what fails.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::server::StartError;
use crate::server::config::{Config, SmtpTls};

/// How long one SMTP exchange may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// An email waiting in the outbox: already written, in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// The configured SMTP server and sender.
#[derive(Clone)]
pub struct Mailer {
    /// The connection settings (a new connection per message: transcripts are rare).
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// Who emails come from.
    from: Mailbox,
}

impl Mailer {
    /// The mailer the configuration describes, `None` when no SMTP host is set.
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, StartError> {
        let Some(host) = &config.smtp_host else {
            return Ok(None);
        };
        let builder = match config.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        };
        let mut builder = builder.port(config.smtp_port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| format!("SWITCHBOARD_MAIL_FROM: {e}"))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one email; the error says why it did not go (the outbox keeps it and retries).
    pub async fn send(&self, email: &Email) -> Result<(), String> {
        let to: Mailbox = email.to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}
