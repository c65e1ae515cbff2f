//! `/contacts` and `/contacts/:id`: the people the team keeps on record, searched as the agent
//! types, and one contact's page: their details to edit, the visitors linked to them (by the
//! email they gave) and those visitors' conversations.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{UpdateContact, load_contact, load_contacts};
use crate::i18n::*;
use crate::model::{
    Contact, ContactDetail, ConversationStatus, ConversationSummary, LinkedVisitor, Me,
};
use crate::ui::agent_page::{AgentPage, TopBar, id_param};
use crate::ui::clock;
use crate::ui::errors::{ErrorNote, error_text};

/// The contact list, searched as the agent types: where they find someone the team knows.
#[component]
pub fn ContactsPage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <Contacts me /> } /> }
}

/// One contact: their details to correct, and what their visitors did and said.
#[component]
pub fn ContactPage() -> impl IntoView {
    let id = id_param();
    view! { <AgentPage page=move |me| view! { <ContactView me id /> } /> }
}

#[component]
fn Contacts(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    // Whether the list answers a search (an empty one then means nothing matched).
    let contacts = Resource::new(
        move || query.get().trim().to_owned(),
        |query| async move {
            let searched = !query.is_empty();
            load_contacts(query).await.map(|list| (searched, list))
        },
    );
    view! {
        <Title text=move || t_string!(i18n, contacts_title).to_string() />
        <TopBar me />
        <main class="contacts">
            <h1>{t!(i18n, contacts_title)}</h1>
            <form class="search" role="search" on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <label>
                    {t!(i18n, contacts_search)}
                    <input type="search" maxlength="200" prop:value=query on:input=move |ev| query.set(event_target_value(&ev)) />
                </label>
            </form>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match contacts.await {
                        Ok((searched, list)) => view! { <ContactTable list searched /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn ContactTable(list: Vec<Contact>, searched: bool) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return if searched {
            view! { <p class="empty">{t!(i18n, search_nothing)}</p> }.into_any()
        } else {
            view! { <p class="empty">{t!(i18n, contacts_empty)}</p> }.into_any()
        };
    }
    let dash = || "—".to_owned();
    view! {
        <table class="contacts-table">
            <caption class="visually-hidden">{t!(i18n, contacts_title)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, field_name)}</th>
                    <th scope="col">{t!(i18n, field_email)}</th>
                    <th scope="col">{t!(i18n, field_phone)}</th>
                    <th scope="col">{t!(i18n, field_company)}</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|contact| {
                        view! {
                            <tr>
                                <td>
                                    <A href=format!("/contacts/{}", contact.id)>{contact.name}</A>
                                </td>
                                <td>{contact.email.unwrap_or_else(dash)}</td>
                                <td>{contact.phone.unwrap_or_else(dash)}</td>
                                <td>{contact.company.unwrap_or_else(dash)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ContactView(me: Me, id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<UpdateContact>::new();
    // Counts successful saves: the contact loads again after each one (a failed save keeps
    // what the agent typed).
    let saves = RwSignal::new(0u32);
    Effect::new(move |_| {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
            saves.update(|n| *n += 1);
        }
    });
    let detail = Resource::new(move || saves.get(), move |_| load_contact(id));
    view! {
        <Title text=move || t_string!(i18n, contact_title).to_string() />
        <TopBar me />
        <main class="contact">
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <ContactBody detail save /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn ContactBody(detail: ContactDetail, save: ServerAction<UpdateContact>) -> impl IntoView {
    let i18n = use_i18n();
    let ContactDetail {
        contact,
        visitors,
        conversations,
    } = detail;
    let name = contact.name.clone();
    view! {
        <h1>{name}</h1>
        <ContactForm contact save />
        <section aria-labelledby="contact-visitors-heading">
            <h2 id="contact-visitors-heading">{t!(i18n, contact_visitors_heading)}</h2>
            <VisitorTable visitors />
        </section>
        <section aria-labelledby="contact-conversations-heading">
            <h2 id="contact-conversations-heading">{t!(i18n, contact_conversations_heading)}</h2>
            <ConversationTable conversations />
        </section>
    }
}

/// Name, email, phone, company and notes, saved together.
#[component]
fn ContactForm(contact: Contact, save: ServerAction<UpdateContact>) -> impl IntoView {
    let i18n = use_i18n();
    let id = contact.id;
    // The attributes carry the saved values into the server-rendered page; the signals follow
    // what the agent types.
    let initial_name = contact.name.clone();
    let initial_email = contact.email.clone().unwrap_or_default();
    let initial_phone = contact.phone.clone().unwrap_or_default();
    let initial_company = contact.company.clone().unwrap_or_default();
    let initial_notes = contact.notes.clone();
    let name = RwSignal::new(contact.name);
    let email = RwSignal::new(contact.email.unwrap_or_default());
    let phone = RwSignal::new(contact.phone.unwrap_or_default());
    let company = RwSignal::new(contact.company.unwrap_or_default());
    let notes = RwSignal::new(contact.notes);
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(UpdateContact {
            id,
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            company: company.get_untracked(),
            notes: notes.get_untracked(),
        });
    };
    view! {
        <form class="contact-form" on:submit=submit aria-label=move || t_string!(i18n, contact_edit_label).to_string()>
            <label>
                {t!(i18n, field_name)}
                <input type="text" required maxlength="200" value=initial_name prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_email)}
                <input type="email" value=initial_email prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_phone)}
                <input type="tel" value=initial_phone prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_company)}
                <input type="text" maxlength="120" value=initial_company prop:value=company on:input=move |ev| company.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_notes)}
                <textarea rows="4" prop:value=notes on:input=move |ev| notes.set(event_target_value(&ev))>
                    {initial_notes}
                </textarea>
            </label>
            <ErrorNote error />
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, contact_saved)}</p>
            </Show>
            <button type="submit" disabled=move || save.pending().get()>
                {t!(i18n, contact_save)}
            </button>
        </form>
    }
}

#[component]
fn VisitorTable(visitors: Vec<LinkedVisitor>) -> impl IntoView {
    let i18n = use_i18n();
    if visitors.is_empty() {
        return view! { <p class="empty">{t!(i18n, contact_no_visitors)}</p> }.into_any();
    }
    view! {
        <table class="contact-visitors">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_visitor)}</th>
                    <th scope="col">{t!(i18n, field_email)}</th>
                    <th scope="col">{t!(i18n, col_visits)}</th>
                    <th scope="col">{t!(i18n, contact_last_seen)}</th>
                </tr>
            </thead>
            <tbody>
                {visitors
                    .into_iter()
                    .map(|visitor| {
                        let seen = visitor.last_seen_at;
                        view! {
                            <tr>
                                <td>{visitor.label}</td>
                                <td>{visitor.email.unwrap_or_else(|| "—".into())}</td>
                                <td>{visitor.visits}</td>
                                <td>
                                    <time>{move || clock::date_time(i18n, seen)}</time>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ConversationTable(conversations: Vec<ConversationSummary>) -> impl IntoView {
    let i18n = use_i18n();
    if conversations.is_empty() {
        return view! { <p class="empty">{t!(i18n, no_conversations_yet)}</p> }.into_any();
    }
    let status_name = move |status: ConversationStatus| match status {
        ConversationStatus::Unassigned => t_string!(i18n, status_unassigned).to_string(),
        ConversationStatus::Assigned => t_string!(i18n, status_assigned).to_string(),
        ConversationStatus::Closed => t_string!(i18n, conversation_is_closed).to_string(),
    };
    view! {
        <table class="contact-conversations">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, conversation_id)}</th>
                    <th scope="col">{t!(i18n, col_visitor)}</th>
                    <th scope="col">{t!(i18n, col_status)}</th>
                    <th scope="col">{t!(i18n, log_started)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t!(i18n, view_log)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {conversations
                    .into_iter()
                    .map(|summary| {
                        let id = summary.id;
                        let status = summary.status;
                        let started = summary.created_at;
                        view! {
                            <tr>
                                <td>{format!("#{id}")}</td>
                                <td>{summary.visitor_label}</td>
                                <td>{move || status_name(status)}</td>
                                <td>
                                    <time>{move || clock::date_time(i18n, started)}</time>
                                </td>
                                <td>
                                    <A href=format!("/conversations/{id}/log")>{t!(i18n, view_log)}</A>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
