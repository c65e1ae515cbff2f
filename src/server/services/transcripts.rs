//! Transcripts by email: when a conversation closes and the visitor gave an email, or when an
//! agent sends one by hand, the conversation is written out in the visitor's language and
//! queued in the outbox (same transaction), which sends it over SMTP and retries.

use crate::calendar::utc_text;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::model::{Author, ConversationSummary, Me, Message};
use crate::rules;
use crate::server::mailer::Email;
use crate::server::outbox::Item;
use crate::server::services;
use crate::server::state::AppState;
use crate::server::store::WriteTx;
use crate::wording::visitor_system_line;

/// The widget's language for a stored locale tag (English when unknown).
pub fn locale_of(tag: Option<&str>) -> Locale {
    match tag {
        Some(tag) if tag.starts_with("es") => Locale::es,
        _ => Locale::en,
    }
}

/// The email of a conversation's transcript: what the visitor saw (no notes, no lines the
/// team keeps to itself), times in UTC, in the visitor's language.
pub fn render(
    locale: Locale,
    to: &str,
    inbox_name: &str,
    conversation: &ConversationSummary,
    messages: &[Message],
) -> Email {
    use leptos_i18n::td_string;
    let shown: Vec<Message> = messages
        .iter()
        .filter(|m| !m.note && m.system.as_ref().is_none_or(|line| line.for_visitor()))
        .cloned()
        .collect();
    let you = td_string!(locale, email_you).to_string();
    let lines = crate::transcript::plain_text(
        &shown,
        |author| match author {
            Author::Agent { name, .. } => name.clone(),
            _ => you.clone(),
        },
        utc_text,
        |m| {
            m.system
                .as_ref()
                .map(|line| visitor_system_line(locale, line))
        },
    );
    let subject = td_string!(
        locale,
        email_transcript_subject,
        inbox = inbox_name.to_owned()
    )
    .to_string();
    let intro = td_string!(
        locale,
        email_transcript_intro,
        date = utc_text(conversation.created_at)
    )
    .to_string();
    let footer = td_string!(locale, email_transcript_footer).to_string();
    Email {
        to: to.to_owned(),
        subject,
        text: format!("{intro}\n\n{lines}\n\n{footer}\n"),
    }
}

/// Queues a conversation's transcript to `to` (the visitor's email when `None`; nothing is
/// queued when they gave none). Returns whether one was queued.
pub async fn queue_in(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    to: Option<&str>,
) -> Result<bool, AppError> {
    let facts = tx.mail_facts(conversation.visitor_id).await?;
    let Some(to) = to.map(str::to_owned).or(facts.email) else {
        return Ok(false);
    };
    let inbox = tx
        .inbox(conversation.inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    let messages = tx.messages(conversation.id).await?;
    let email = render(
        locale_of(facts.locale.as_deref()),
        &to,
        &inbox.name,
        conversation,
        &messages,
    );
    tx.enqueue(&Item::Email(email)).await?;
    Ok(true)
}

/// An agent sends a conversation's transcript by hand to an address (the visitor's by
/// default).
pub async fn send_by_hand(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    to: &str,
) -> Result<(), AppError> {
    let conversation = services::conversation_for_agent(state, agent, conversation_id).await?;
    let to = rules::validate_email(to)?;
    if state.mailer.is_none() {
        return Err(AppError::MailNotConfigured);
    }
    let mut tx = state.store.write().await?;
    queue_in(&mut tx, &conversation, Some(&to)).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationStatus, SystemLine};

    fn message(id: i64, author: Author, body: &str) -> Message {
        Message::plain(id, author, body, 1_795_305_600_000 + id * 60_000)
    }

    fn conversation() -> ConversationSummary {
        ConversationSummary {
            id: 1,
            inbox_id: 1,
            visitor_id: 1,
            visitor_label: "Ana".into(),
            visitor_name: Some("Ana".into()),
            visitor_email: Some("ana@example.com".into()),
            status: ConversationStatus::Closed,
            assignee: None,
            created_at: 1_795_305_600_000,
            last_message_at: 0,
            preview: String::new(),
            rating: None,
            labels: Vec::new(),
        }
    }

    #[test]
    fn the_visitor_gets_what_they_saw_in_their_language() {
        let agent = Author::Agent {
            id: 2,
            name: "Sue".into(),
        };
        let mut note = message(3, agent.clone(), "internal: refund approved");
        note.note = true;
        let mut joined = message(1, Author::System, "");
        joined.system = Some(SystemLine::Accepted {
            agent: "Sue".into(),
        });
        let mut page = message(4, Author::System, "");
        page.system = Some(SystemLine::PageViewed {
            title: "Secret".into(),
            url: "https://a/x".into(),
        });
        let messages = vec![
            joined,
            message(2, Author::Visitor, "Where is my parcel?"),
            note,
            page,
            message(5, agent, "It ships today."),
        ];
        let email = render(
            Locale::es,
            "ana@example.com",
            "Tienda",
            &conversation(),
            &messages,
        );
        assert_eq!(email.to, "ana@example.com");
        assert!(email.subject.contains("Tienda"), "{}", email.subject);
        assert!(email.text.contains("Where is my parcel?"));
        assert!(email.text.contains("Sue: It ships today."));
        assert!(
            email.text.contains("2026-11-22 00:05 UTC"),
            "{}",
            email.text
        );
        assert!(
            !email.text.contains("refund approved"),
            "notes stay internal"
        );
        assert!(
            !email.text.contains("Secret"),
            "the page feed stays internal"
        );
        let english = render(Locale::en, "a@b.c", "Shop", &conversation(), &messages);
        assert_ne!(
            english.subject, email.subject,
            "the language follows the widget's"
        );
    }

    #[test]
    fn locales_fall_back_to_english() {
        assert_eq!(locale_of(Some("es")), Locale::es);
        assert_eq!(locale_of(Some("es-MX")), Locale::es);
        assert_eq!(locale_of(Some("fr")), Locale::en);
        assert_eq!(locale_of(None), Locale::en);
    }
}
