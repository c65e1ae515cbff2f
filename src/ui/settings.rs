//! `/settings`: what an agent sets for themselves: their picture (shown beside their replies
//! instead of their initials), their password, their templates, personal or shared with an
//! inbox, and their API tokens.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    ChangePassword, DeleteTemplate, SaveTemplate, SetOfflineAfter, load_presence_settings,
    load_templates,
};
use crate::i18n::*;
use crate::model::{Me, Template, TemplateScope};
use crate::ui::agent_page::{AgentPage, TopBar};
use crate::ui::errors::{ErrorNote, error_text};
use crate::ui::icons::{Glyph, Icon};
use crate::ui::password_field::NewPasswordField;

/// The settings page of the signed-in agent.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <Settings me /> } /> }
}

#[component]
fn Settings(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let id = me.id;
    view! {
        <Title text=move || t_string!(i18n, settings_title).to_string() />
        <TopBar me />
        <main class="settings">
            <h1>{t!(i18n, settings_title)}</h1>
            <Picture agent_id=id />
            <Password />
            <OnlineStatus />
            <Templates />
            <crate::ui::api_tokens::ApiTokens />
        </main>
    }
}

/// How long the agent stays online with no Switchboard open ("turn off online mode after").
#[component]
fn OnlineStatus() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetOfflineAfter>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let settings = Resource::new(|| (), |_| load_presence_settings());
    view! {
        <section aria-labelledby="online-status-heading">
            <h2 id="online-status-heading">{t!(i18n, presence_settings_heading)}</h2>
            <Transition>
                {move || Suspend::new(async move {
                    settings
                        .await
                        .ok()
                        .map(|current| {
                            let minutes = RwSignal::new(current.offline_after_minutes.to_string());
                            let max = current.max_minutes;
                            let submit = move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                action.dispatch(SetOfflineAfter {
                                    minutes: minutes.get_untracked().trim().parse().unwrap_or(0),
                                });
                            };
                            view! {
                                <form on:submit=submit>
                                    <label>
                                        {t!(i18n, offline_after_label, min = 1, max = max)}
                                        <input
                                            type="number"
                                            min="1"
                                            max=max.to_string()
                                            required
                                            prop:value=move || minutes.get()
                                            on:input=move |ev| minutes.set(event_target_value(&ev))
                                        />
                                    </label>
                                    <ErrorNote error />
                                    <Show when=move || matches!(action.value().get(), Some(Ok(())))>
                                        <p role="status">{t!(i18n, offline_after_saved)}</p>
                                    </Show>
                                    <button type="submit" disabled=move || action.pending().get()>
                                        {t!(i18n, save_offline_after)}
                                    </button>
                                </form>
                            }
                        })
                })}
            </Transition>
        </section>
    }
}

/// A new password, given the current one (the agent's other sessions end).
#[component]
fn Password() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            current.set(String::new());
            new.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangePassword {
            current: current.get_untracked(),
            new: new.get_untracked(),
        });
    };
    view! {
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">{t!(i18n, password_heading)}</h2>
            <form on:submit=submit>
                <label>
                    {t!(i18n, field_current_password)}
                    <input
                        type="password"
                        required
                        autocomplete="current-password"
                        prop:value=move || current.get()
                        on:input=move |ev| current.set(event_target_value(&ev))
                    />
                </label>
                <NewPasswordField value=new>{t!(i18n, field_new_password)}</NewPasswordField>
                <ErrorNote error />
                <Show when=move || matches!(action.value().get(), Some(Ok(())))>
                    <p role="status">{t!(i18n, password_changed)}</p>
                </Show>
                <button type="submit" disabled=move || action.pending().get()>{t!(i18n, change_password)}</button>
            </form>
        </section>
    }
}

#[component]
fn Picture(agent_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let problem = RwSignal::new(None::<crate::error::AppError>);
    let saved = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            let Some(file) = crate::ui::transfer::files_of(input.and_then(|i| i.files()))
                .into_iter()
                .next()
            else {
                return;
            };
            let url = format!(
                "/avatar?name={}",
                String::from(js_sys::encode_uri_component(&file.name()))
            );
            saved.set(false);
            crate::ui::transfer::send_file(
                &file,
                &url,
                |_| {},
                move |result| match result {
                    Ok(_) => {
                        problem.set(None);
                        saved.set(true);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => problem.set(Some(e)),
                },
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, version, saved);
    };
    view! {
        <section aria-labelledby="picture-heading">
            <h2 id="picture-heading">{t!(i18n, picture_heading)}</h2>
            <img class="avatar large" src=move || format!("/avatars/{agent_id}?v={}", version.get()) alt="" />
            <label>
                {t!(i18n, picture_label)}
                <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" on:change=on_change />
            </label>
            {move || problem.get().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
            <Show when=move || saved.get()>
                <p role="status">{t!(i18n, picture_saved)}</p>
            </Show>
        </section>
    }
}

#[component]
fn Templates() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveTemplate>::new();
    let delete = ServerAction::<DeleteTemplate>::new();
    let book = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| load_templates(),
    );
    let editing = RwSignal::new(None::<Template>);
    view! {
        <section aria-labelledby="templates-heading">
            <h2 id="templates-heading">{t!(i18n, templates_heading)}</h2>
            <p>{t!(i18n, templates_intro)}</p>
            <Transition>
                {move || Suspend::new(async move {
                    book.await.map(|book| {
                        let inboxes = book.inboxes.clone();
                        let inbox_name = move |id: i64| {
                            inboxes.iter().find(|i| i.id == id).map(|i| i.name.clone()).unwrap_or_default()
                        };
                        let empty = book.templates.is_empty();
                        view! {
                            <Show when=move || empty>
                                <p>{t!(i18n, no_templates)}</p>
                            </Show>
                            <ul class="templates">
                                {book
                                    .templates
                                    .clone()
                                    .into_iter()
                                    .map(|template| {
                                        let scope = match template.scope {
                                            TemplateScope::Personal { .. } => t_string!(i18n, scope_personal).to_string(),
                                            TemplateScope::Inbox { inbox_id } => {
                                                t_string!(i18n, scope_inbox, inbox = inbox_name(inbox_id)).to_string()
                                            }
                                        };
                                        let title = template.title.clone();
                                        let edit_label = {
                                            let title = title.clone();
                                            move || t_string!(i18n, edit_template, title = title.clone()).to_string()
                                        };
                                        let delete_label = move || t_string!(i18n, delete_template, title = title.clone()).to_string();
                                        let id = template.id;
                                        let chosen = template.clone();
                                        view! {
                                            <li>
                                                <strong>{template.title.clone()}</strong>
                                                " "
                                                <code>{format!("/{}", template.shortcut)}</code>
                                                " · "
                                                {scope}
                                                <p class="body plain">{template.body.clone()}</p>
                                                <button type="button" aria-label=edit_label on:click=move |_| editing.set(Some(chosen.clone()))>
                                                    <Icon glyph=Glyph::Pencil />
                                                </button>
                                                <button type="button" aria-label=delete_label on:click=move |_| { delete.dispatch(DeleteTemplate { id }); }>
                                                    <Icon glyph=Glyph::Trash />
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                            <TemplateForm
                                save
                                editing
                                shareable=if book.may_share { book.inboxes.clone() } else { Vec::new() }
                            />
                        }
                    })
                })}
            </Transition>
            <ErrorNote error=Signal::derive(move || delete.value().get().and_then(Result::err)) />
        </section>
    }
}

#[component]
fn TemplateForm(
    save: ServerAction<SaveTemplate>,
    editing: RwSignal<Option<Template>>,
    shareable: Vec<crate::model::Inbox>,
) -> impl IntoView {
    let i18n = use_i18n();
    let title = RwSignal::new(String::new());
    let shortcut = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    Effect::new(move |_| {
        let current = editing.get();
        title.set(
            current
                .as_ref()
                .map(|t| t.title.clone())
                .unwrap_or_default(),
        );
        shortcut.set(
            current
                .as_ref()
                .map(|t| t.shortcut.clone())
                .unwrap_or_default(),
        );
        body.set(current.as_ref().map(|t| t.body.clone()).unwrap_or_default());
        scope.set(match current.map(|t| t.scope) {
            Some(TemplateScope::Inbox { inbox_id }) => inbox_id.to_string(),
            _ => String::new(),
        });
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
            title.set(String::new());
            shortcut.set(String::new());
            body.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveTemplate {
            id: editing.get_untracked().map(|t| t.id),
            title: title.get_untracked(),
            shortcut: shortcut.get_untracked(),
            body: body.get_untracked(),
            inbox_id: scope.get_untracked().parse().ok(),
        });
    };
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let can_share = !shareable.is_empty();
    view! {
        <form class="template-form" on:submit=submit>
            <h3>
                {move || match editing.get() {
                    Some(t) => t_string!(i18n, edit_template, title = t.title).to_string(),
                    None => t_string!(i18n, new_template).to_string(),
                }}
            </h3>
            <label>
                {t!(i18n, template_title)}
                <input type="text" required maxlength="100" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, template_shortcut)}
                <input type="text" required maxlength="33" prop:value=move || shortcut.get() on:input=move |ev| shortcut.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, template_body)}
                <textarea required rows="4" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </label>
            <Show when=move || can_share>
                <label>
                    {t!(i18n, template_scope)}
                    <select prop:value=move || scope.get() on:change=move |ev| scope.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, scope_personal)}</option>
                        {shareable
                            .clone()
                            .into_iter()
                            .map(|inbox| {
                                let name = inbox.name.clone();
                                view! {
                                    <option value=inbox.id.to_string()>
                                        {move || t_string!(i18n, scope_inbox, inbox = name.clone()).to_string()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </Show>
            <ErrorNote error />
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, template_saved)}</p>
            </Show>
            <button type="submit" disabled=move || save.pending().get()>{t!(i18n, save_template)}</button>
        </form>
    }
}
