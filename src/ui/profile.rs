//! A visitor's profile: the dialog opened from the online table or a conversation (edit their
//! details, start or resume a chat, everything known about their visits), and the compact
//! side panel of a conversation. Both reload live when the visitor moves or a colleague edits.

use leptos::prelude::*;

use crate::api::{StartChat, UpdateVisitor, load_visitor_profile};
use crate::i18n::*;
use crate::model::{ConversationStatus, VisitorProfile};
use crate::tracking::time_spent;
use crate::ui::clock::{date_time, elapsed_text, now_millis};
use crate::ui::errors::ErrorNote;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::workspace::DeskState;

/// Loads a visitor's profile again whenever the live feed says something about them changed.
pub(crate) fn profile_resource(
    desk: DeskState,
    id: i64,
) -> Resource<Result<VisitorProfile, crate::error::AppError>> {
    Resource::new(
        move || (id, desk.visitor_versions.with(|v| v.get(&id).copied())),
        |(id, _)| load_visitor_profile(id),
    )
}

/// The profile dialog of `desk.profile`. Built once when the profile first arrives; later
/// reloads (the visitor moved, a colleague edited) update it in place, so what the agent is
/// typing stays.
#[component]
pub fn VisitorDialog(
    /// The visitor.
    id: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let profile = profile_resource(desk, id);
    let latest = RwSignal::new(None::<VisitorProfile>);
    let error = RwSignal::new(None::<crate::error::AppError>);
    Effect::new(move |_| match profile.get() {
        Some(Ok(loaded)) => latest.set(Some(loaded)),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let close = move || desk.profile.set(None);
    let close_button = crate::ui::dialog::dialog_focus(close);
    let heading = move || match latest.with(|p| p.as_ref().map(|p| p.label.clone())) {
        Some(name) => t_string!(i18n, profile_title, name = name).to_string(),
        None => t_string!(i18n, loading).to_string(),
    };
    let online = move || latest.with(|p| p.as_ref().is_some_and(|p| p.online));
    let on_site = move || {
        latest.with(Option::is_some).then(|| {
            if online() {
                t_string!(i18n, on_site_now).to_string()
            } else {
                t_string!(i18n, not_on_site).to_string()
            }
        })
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="profile-heading">
                <header class="dialog-header">
                    <h2 id="profile-heading">{heading}</h2>
                    <span class="badge" class:online=online>{on_site}</span>
                    <button
                        type="button"
                        class="icon"
                        aria-label=move || t_string!(i18n, close_dialog).to_string()
                        node_ref=close_button
                        on:click=move |_| close()
                    >
                        <Icon glyph=Glyph::Close />
                    </button>
                </header>
                <Show when=move || latest.with(Option::is_some)>
                    <DialogBody latest />
                </Show>
                <ErrorNote error=Signal::derive(move || error.get()) />
            </div>
        </div>
    }
}

#[component]
fn DialogBody(latest: RwSignal<Option<VisitorProfile>>) -> impl IntoView {
    let Some(first) = latest.get_untracked() else {
        return ().into_any();
    };
    let online = move || latest.with(|p| p.as_ref().is_some_and(|p| p.online));
    let has_open = move || {
        latest.with(|p| {
            p.as_ref().is_some_and(|p| {
                p.conversations
                    .iter()
                    .any(|c| c.status != ConversationStatus::Closed)
            })
        })
    };
    view! {
        <EditForm id=first.id latest />
        <ContactAndBlock latest />
        <Show when=move || online() || has_open()>
            <ChatForm visitor_id=first.id resume=Signal::derive(has_open) />
        </Show>
        {move || latest.get().map(|profile| view! { <ProfileDetails profile compact=false /> })}
    }
    .into_any()
}

/// The contact the visitor is linked to (or a form saving them as one), and their block (or
/// the block dialog).
#[component]
fn ContactAndBlock(latest: RwSignal<Option<VisitorProfile>>) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<crate::api::SaveContact>::new();
    let unblock = ServerAction::<crate::api::Unblock>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let unblock_error = Signal::derive(move || unblock.value().get().and_then(Result::err));
    let saved = move || save.value().get().and_then(Result::ok);
    let company = RwSignal::new(String::new());
    let blocking = RwSignal::new(false);
    // A memo: the form below is built again only when the contact changes, not on every
    // reload of the profile (which would drop what the agent is typing into it).
    let contact = Memo::new(move |_| {
        saved()
            .map(|c| crate::model::ContactRef {
                id: c.id,
                name: c.name,
            })
            .or_else(|| latest.with(|p| p.as_ref().and_then(|p| p.contact.clone())))
    });
    let block = move || latest.with(|p| p.as_ref().and_then(|p| p.block.clone()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = latest.get_untracked() else {
            return;
        };
        save.dispatch(crate::api::SaveContact {
            visitor_id: p.id,
            name: p.name.clone().unwrap_or_else(|| p.label.clone()),
            email: p.email.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            company: company.get_untracked(),
            notes: p.notes.clone(),
        });
    };
    view! {
        <section class="contact-block">
            {move || match contact.get() {
                Some(contact) => view! {
                    <p>
                        {t!(i18n, contact_linked)} " "
                        <a href=format!("/contacts/{}", contact.id)>{contact.name}</a>
                    </p>
                }.into_any(),
                None => view! {
                    <form class="save-contact" on:submit=submit>
                        <label>
                            {t!(i18n, field_company)}
                            <input type="text" maxlength="120" prop:value=company on:input=move |ev| company.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit" disabled=move || save.pending().get()>{t!(i18n, save_as_contact)}</button>
                    </form>
                }.into_any(),
            }}
            <ErrorNote error=save_error />
            {move || match block() {
                Some(block) => {
                    let until = block.until;
                    let id = block.id;
                    view! {
                        <p class="blocked-note" role="status">
                            {move || match until {
                                Some(at) => t_string!(i18n, blocked_until, date = crate::ui::clock::date_time(i18n, at)).to_string(),
                                None => t_string!(i18n, blocked_forever).to_string(),
                            }}
                            " — " {block.reason.clone()}
                        </p>
                        <button type="button" on:click=move |_| { unblock.dispatch(crate::api::Unblock { block_id: id }); }>
                            {t!(i18n, unblock)}
                        </button>
                    }.into_any()
                }
                None => {
                    let visitor_id = latest.with_untracked(|p| p.as_ref().map(|p| p.id)).unwrap_or_default();
                    view! {
                        <button type="button" aria-expanded=move || blocking.get().to_string() on:click=move |_| blocking.update(|b| *b = !*b)>
                            {t!(i18n, block_visitor)}
                        </button>
                        <Show when=move || blocking.get()>
                            <crate::ui::chat_details::BlockForm visitor_id />
                        </Show>
                    }.into_any()
                }
            }}
            <ErrorNote error=unblock_error />
        </section>
    }
}

/// Name, email, phone and notes, saved together. The fields follow what is saved (a
/// colleague's edit shows up), not every reload.
#[component]
fn EditForm(id: i64, latest: RwSignal<Option<VisitorProfile>>) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<UpdateVisitor>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let stored = Memo::new(move |_| {
        latest.with(|p| {
            p.as_ref().map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.email.clone().unwrap_or_default(),
                    p.phone.clone().unwrap_or_default(),
                    p.notes.clone(),
                )
            })
        })
    });
    Effect::new(move |_| {
        if let Some((n, e, ph, no)) = stored.get() {
            name.set(n);
            email.set(e);
            phone.set(ph);
            notes.set(no);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(UpdateVisitor {
            id,
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            notes: notes.get_untracked(),
        });
    };
    view! {
        <form class="visitor-form" on:submit=submit>
            <h3>{t!(i18n, section_details)}</h3>
            <label>
                {t!(i18n, field_full_name)}
                <input type="text" maxlength="80" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_email)}
                <input type="email" prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_phone)}
                <input type="tel" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_notes)}
                <textarea rows="3" prop:value=notes on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" disabled=move || save.pending().get()>{t!(i18n, save_visitor)}</button>
            <Show when=saved>
                <p class="note" role="status">{t!(i18n, visitor_saved)}</p>
            </Show>
            <ErrorNote error />
        </form>
    }
}

/// Starts a chat with the visitor (or resumes their open one) with a first message.
#[component]
fn ChatForm(visitor_id: i64, resume: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let start = ServerAction::<StartChat>::new();
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let body = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(conversation_id)) = start.value().get() {
            desk.show(conversation_id);
            desk.profile.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        start.dispatch(StartChat {
            visitor_id,
            client_id: format!("start-{visitor_id}-{}", now_millis()),
            body: body.get_untracked(),
        });
    };
    view! {
        <form class="start-chat" on:submit=submit>
            <label>
                {t!(i18n, start_chat_label)}
                <textarea rows="2" prop:value=body on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" class="primary" disabled=move || start.pending().get() || body.with(|b| b.trim().is_empty())>
                {move || {
                    if resume.get() {
                        t_string!(i18n, resume_chat).to_string()
                    } else {
                        t_string!(i18n, start_chat).to_string()
                    }
                }}
            </button>
            <ErrorNote error />
        </form>
    }
}

/// The conversation's side panel: the same facts, compactly, and the visitor's details and
/// notes, editable there at any time (seed 000: "User bio and notes area … They can be edited
/// anytime").
#[component]
pub fn VisitorPanel(
    /// The conversation's visitor.
    visitor_id: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let profile = profile_resource(desk, visitor_id);
    let latest = RwSignal::new(None::<VisitorProfile>);
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = profile.get() {
            latest.set(Some(loaded));
        }
    });
    view! {
        <aside class="visitor-panel" aria-labelledby=format!("visitor-panel-{visitor_id}")>
            <h3 id=format!("visitor-panel-{visitor_id}")>{t!(i18n, visitor_panel)}</h3>
            <Show when=move || latest.with(Option::is_some) fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                <EditForm id=visitor_id latest />
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    profile.await.ok().map(|profile| view! { <ProfileDetails profile compact=true /> })
                })}
            </Transition>
        </aside>
    }
}

/// What is known about a visitor: where and on what, this visit, the first one, the last
/// pages; in full, also every visit and conversation.
#[component]
fn ProfileDetails(profile: VisitorProfile, compact: bool) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let now = desk.now;
    let latest = profile.visits.first().cloned();
    let unknown = move || t_string!(i18n, unknown).to_string();
    let device = latest
        .as_ref()
        .and_then(|v| v.device.clone())
        .map(|kind| move || device_text(i18n, &kind));
    let fact = move |label: String, value: Option<String>| {
        view! {
            <dt>{label}</dt>
            <dd>{value.unwrap_or_else(unknown)}</dd>
        }
    };
    let facts = {
        let latest = latest.clone();
        let profile = profile.clone();
        move || {
            let v = latest.clone();
            vec![
                fact(
                    t_string!(i18n, label_location).to_string(),
                    v.as_ref().and_then(|v| v.location.clone()),
                ),
                fact(
                    t_string!(i18n, label_ip).to_string(),
                    v.as_ref().and_then(|v| v.ip.clone()),
                ),
                fact(
                    t_string!(i18n, label_browser).to_string(),
                    v.as_ref().and_then(|v| v.browser.clone()),
                ),
                fact(
                    t_string!(i18n, label_os).to_string(),
                    v.as_ref().and_then(|v| v.os.clone()),
                ),
                fact(
                    t_string!(i18n, label_screen).to_string(),
                    profile.screen.clone(),
                ),
                fact(
                    t_string!(i18n, label_language).to_string(),
                    profile.language.clone(),
                ),
                fact(
                    t_string!(i18n, label_time_zone).to_string(),
                    profile.time_zone.clone(),
                ),
            ]
            .collect_view()
        }
    };
    let session = latest.clone().map(|visit| {
        let started = visit.started_at;
        view! {
            <h4>{t!(i18n, section_session)}</h4>
            <dl>
                <dt>{t!(i18n, label_started)}</dt>
                <dd>{move || date_time(i18n, started)}</dd>
                <dt>{t!(i18n, label_landing)}</dt>
                <dd><a href=visit.landing_url.clone() target="_blank" rel="noopener noreferrer">{visit.landing_title.clone()}</a></dd>
                <dt>{t!(i18n, label_referrer)}</dt>
                <dd>{if visit.referrer.is_empty() { unknown() } else { visit.referrer.clone() }}</dd>
            </dl>
        }
    });
    let first = profile.first_visit_at.map(|at| {
        let url = profile.first_landing_url.clone().unwrap_or_default();
        let title = profile.first_landing_title.clone().unwrap_or_default();
        view! {
            <h4>{t!(i18n, section_first_visit)}</h4>
            <dl>
                <dt>{t!(i18n, label_started)}</dt>
                <dd>{move || date_time(i18n, at)}</dd>
                <dt>{t!(i18n, label_landing)}</dt>
                <dd><a href=url target="_blank" rel="noopener noreferrer">{title}</a></dd>
            </dl>
        }
    });
    // What the visitor answered before chatting: the department they chose, then the form.
    let answered = (profile.department.is_some() || !profile.answers.is_empty()).then(|| {
        let department = profile.department.clone().map(|name| {
            view! {
                <dt>{t!(i18n, label_department)}</dt>
                <dd>{name}</dd>
            }
        });
        let answers = profile
            .answers
            .iter()
            .map(|answer| {
                view! {
                    <dt>{answer.label.clone()}</dt>
                    <dd>{answer.value.clone()}</dd>
                }
            })
            .collect_view();
        view! {
            <h4>{t!(i18n, section_answers)}</h4>
            <dl class="answers">{department} {answers}</dl>
        }
    });
    let pages = profile.pages.clone();
    let page_list = move || {
        pages
            .iter()
            .map(|page| {
                let (started, ended) = (page.started_at, page.ended_at);
                view! {
                    <li>
                        <a href=page.url.clone() target="_blank" rel="noopener noreferrer">{page.title.clone()}</a>
                        " · "
                        <span class="spent">{move || elapsed_text(i18n, time_spent(started, ended, now.get()))}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let visits = (!compact).then(|| {
        let rows = profile
            .visits
            .iter()
            .map(|visit| {
                let started = visit.started_at;
                view! {
                    <li>
                        {move || date_time(i18n, started)}
                        " · "
                        <a href=visit.landing_url.clone() target="_blank" rel="noopener noreferrer">{visit.landing_title.clone()}</a>
                        " · "
                        {t!(i18n, label_pages_count)} " " {visit.pages}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h4>{t!(i18n, section_visits)}</h4>
            <ul class="visits">{rows}</ul>
        }
    });
    let conversations = (!compact).then(|| {
        let empty = profile.conversations.is_empty();
        let rows = profile
            .conversations
            .iter()
            .map(|c| {
                let id = c.id;
                let created = c.created_at;
                let text = move || t_string!(i18n, earlier_conversation, id = id).to_string();
                view! {
                    <li>
                        <button
                            type="button"
                            class="link"
                            on:click=move |_| {
                                desk.show(id);
                                desk.profile.set(None);
                            }
                        >
                            {text}
                        </button>
                        " · "
                        {move || date_time(i18n, created)}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h4>{t!(i18n, section_conversations)}</h4>
            <ul class="visitor-conversations">{rows}</ul>
            <Show when=move || empty>
                <p class="empty">{t!(i18n, no_conversations_yet)}</p>
            </Show>
        }
    });
    let class = if compact {
        "profile compact"
    } else {
        "profile"
    };
    view! {
        <div class=class>
            {answered}
            <h4>{t!(i18n, section_device)}</h4>
            <dl>
                {facts}
                <dt>{t!(i18n, label_device)}</dt>
                <dd>{move || device.as_ref().map(|text| text()).unwrap_or_else(unknown)}</dd>
            </dl>
            {session}
            {first}
            <h4>{t!(i18n, section_pages)}</h4>
            <ol class="pages">{page_list}</ol>
            {visits}
            {conversations}
        </div>
    }
}

/// A device kind (woothee's category) in the reader's language.
fn device_text(i18n: leptos_i18n::I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "pc" => t_string!(i18n, device_pc),
        "smartphone" => t_string!(i18n, device_smartphone),
        "mobilephone" => t_string!(i18n, device_mobilephone),
        "appliance" => t_string!(i18n, device_appliance),
        "crawler" => t_string!(i18n, device_crawler),
        _ => t_string!(i18n, device_misc),
    }
    .to_string()
}
