//! Contacts: a visitor saved as a person on record (name, email, phone, company, notes).
//! Visitors of the same person (the same visitor, or any visitor giving the same email) are
//! linked to it, so its page shows all their visits and chats.

use crate::error::AppError;
use crate::model::{Contact, ContactDetail, Me};
use crate::rules;
use crate::server::services;
use crate::server::services::visitor_for_agent;
use crate::server::state::AppState;
use crate::server::store::ContactFields;

/// How many contacts or conversations a page lists.
const LIST_LIMIT: i64 = 200;

/// A contact's fields as typed.
pub struct ContactForm<'a> {
    /// Name (required).
    pub name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Phone.
    pub phone: &'a str,
    /// Company.
    pub company: &'a str,
    /// Notes.
    pub notes: &'a str,
}

struct Clean {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    notes: String,
}

impl Clean {
    fn fields(&self) -> ContactFields<'_> {
        ContactFields {
            name: &self.name,
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
            company: self.company.as_deref(),
            notes: &self.notes,
        }
    }
}

fn clean(form: &ContactForm<'_>) -> Result<Clean, AppError> {
    let edit = rules::validate_visitor_edit(form.name, form.email, form.phone, form.notes)?;
    let name = edit
        .name
        .ok_or_else(|| AppError::invalid("name", "required"))?;
    let company = match form.company.trim() {
        "" => None,
        given => Some(rules::validate_text("company", given, 120)?),
    };
    Ok(Clean {
        name,
        email: edit.email,
        phone: edit.phone,
        company,
        notes: edit.notes,
    })
}

/// Saves a visitor as a contact (or updates the contact they are linked to), and links every
/// other visitor who gave the same email.
pub async fn save_visitor(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
    form: &ContactForm<'_>,
) -> Result<Contact, AppError> {
    visitor_for_agent(state, agent, visitor_id).await?;
    let clean = clean(form)?;
    let mut tx = state.store.write().await?;
    let id = match tx.contact_id_of(visitor_id).await? {
        Some(id) => {
            tx.update_contact(id, &clean.fields()).await?;
            id
        }
        None => {
            let id = tx.insert_contact(&clean.fields()).await?;
            tx.link_visitor(visitor_id, id).await?;
            id
        }
    };
    if let Some(email) = &clean.email {
        tx.link_visitors_by_email(email, id).await?;
    }
    tx.commit(&state.hub).await?;
    state
        .store
        .contact(id)
        .await?
        .ok_or_else(|| AppError::not_found("contact"))
}

/// Changes a contact. Contacts are the team's address book: any signed-in agent may correct
/// one (the caller has checked who asks); the visitors it links by email stay visible only to
/// the agents of their inboxes (`detail`).
pub async fn update(
    state: &AppState,
    _agent: &Me,
    id: i64,
    form: &ContactForm<'_>,
) -> Result<Contact, AppError> {
    let clean = clean(form)?;
    let mut tx = state.store.write().await?;
    if !tx.update_contact(id, &clean.fields()).await? {
        return Err(AppError::not_found("contact"));
    }
    if let Some(email) = &clean.email {
        tx.link_visitors_by_email(email, id).await?;
    }
    tx.commit(&state.hub).await?;
    state
        .store
        .contact(id)
        .await?
        .ok_or_else(|| AppError::not_found("contact"))
}

/// Contacts matching what was typed (all when empty), by name; the whole team's address book.
pub async fn list(state: &AppState, _agent: &Me, query: &str) -> Result<Vec<Contact>, AppError> {
    let query: String = query.trim().chars().take(100).collect();
    Ok(state.store.contacts(&query, LIST_LIMIT).await?)
}

/// A contact with its linked visitors and their chats, as far as the agent may see them.
pub async fn detail(state: &AppState, agent: &Me, id: i64) -> Result<ContactDetail, AppError> {
    let contact = state
        .store
        .contact(id)
        .await?
        .ok_or_else(|| AppError::not_found("contact"))?;
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    Ok(ContactDetail {
        visitors: state.store.contact_visitors(id, &inbox_ids).await?,
        conversations: state
            .store
            .conversations_of_contact(id, &inbox_ids, LIST_LIMIT)
            .await?,
        contact,
    })
}

/// The visitor of a contact to start a chat with: of those the agent may see, the one on the
/// site seen most recently; `VisitorNotOnline` when none is there.
pub async fn visitor_on_site(state: &AppState, agent: &Me, id: i64) -> Result<i64, AppError> {
    let detail = detail(state, agent, id).await?;
    detail
        .visitors
        .iter()
        .filter(|v| state.online.is_on_site(v.visitor_id))
        .max_by_key(|v| v.last_seen_at)
        .map(|v| v.visitor_id)
        .ok_or(AppError::VisitorNotOnline)
}

/// A visitor gave (or an agent set) an email: link them to the contact with that email, if
/// one exists and they are not linked yet.
pub async fn link_by_email(
    tx: &mut crate::server::store::WriteTx,
    visitor_id: i64,
    email: &str,
) -> Result<(), AppError> {
    if tx.contact_id_of(visitor_id).await?.is_none()
        && let Some(contact_id) = tx.contact_by_email(email).await?
    {
        tx.link_visitor(visitor_id, contact_id).await?;
    }
    Ok(())
}
