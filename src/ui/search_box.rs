//! The workspace's search box: with a conversation open it searches that conversation (its
//! visitor and messages), otherwise every conversation the agent may see. Matches are shown
//! highlighted; choosing one opens its conversation.

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::SearchResults;
use crate::search::Piece;
use crate::ui::errors::error_text;
use crate::ui::workspace::DeskState;

/// The search box and its results.
#[component]
pub fn SearchBox() -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let typed = RwSignal::new(String::new());
    let everywhere = RwSignal::new(false);
    // What was submitted: the words and the conversation searched (None: everything).
    let asked = RwSignal::new(None::<(String, Option<i64>)>);
    let results = Resource::new(
        move || asked.get(),
        |asked| async move {
            match asked {
                Some((query, conversation_id)) => {
                    crate::api::search(query, conversation_id).await.map(Some)
                }
                None => Ok(None),
            }
        },
    );
    let scope = move || desk.selected.get().filter(|_| !everywhere.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query = typed.get_untracked();
        if query.trim().is_empty() {
            asked.set(None);
        } else {
            asked.set(Some((query, untrack(scope))));
        }
    };
    let open = move |id: i64| {
        desk.show(id);
    };
    view! {
        <form class="search" role="search" on:submit=submit>
            <label class="search-field">
                <span class="visually-hidden">{t!(i18n, search_label)}</span>
                <input
                    type="search"
                    maxlength="200"
                    placeholder=move || {
                        if scope().is_some() {
                            t_string!(i18n, search_in_conversation).to_string()
                        } else {
                            t_string!(i18n, search_everywhere).to_string()
                        }
                    }
                    prop:value=typed
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
            </label>
            <Show when=move || desk.selected.get().is_some()>
                <label class="choice">
                    <input type="checkbox" prop:checked=everywhere on:change=move |ev| everywhere.set(event_target_checked(&ev)) />
                    {t!(i18n, search_all_conversations)}
                </label>
            </Show>
            <button type="submit">{t!(i18n, search_submit)}</button>
        </form>
        <Transition>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(Some(found)) => view! { <Results found open asked /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Results(
    found: SearchResults,
    open: impl Fn(i64) + Copy + Send + Sync + 'static,
    asked: RwSignal<Option<(String, Option<i64>)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let empty = found.conversations.is_empty() && found.messages.is_empty();
    view! {
        <section class="search-results" aria-label=move || t_string!(i18n, search_results).to_string()>
            <button type="button" class="link" on:click=move |_| asked.set(None)>{t!(i18n, search_close)}</button>
            {empty.then(|| view! { <p class="empty">{t!(i18n, search_nothing)}</p> })}
            <ul>
                {found
                    .conversations
                    .into_iter()
                    .map(|hit| {
                        let id = hit.summary.id;
                        view! {
                            <li>
                                <button type="button" class="hit" on:click=move |_| open(id)>
                                    <span class="hit-title">{format!("#{id} ")}<Marked pieces=hit.matched /></span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
                {found
                    .messages
                    .into_iter()
                    .map(|hit| {
                        let id = hit.conversation_id;
                        let at = hit.created_at;
                        let who = hit.author.clone().unwrap_or_else(|| hit.visitor_label.clone());
                        view! {
                            <li>
                                <button type="button" class="hit" on:click=move |_| open(id)>
                                    <span class="hit-title">
                                        {format!("#{id} · {} · {who}", hit.visitor_label)}
                                        {hit.note.then(|| view! { " " <span class="badge note-badge">{t!(i18n, note_badge)}</span> })}
                                    </span>
                                    <time>{move || crate::ui::clock::date_time(i18n, at)}</time>
                                    <span class="snippet"><Marked pieces=hit.snippet /></span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// Text with the matched words in `<mark>` (built piece by piece, never as HTML).
#[component]
fn Marked(pieces: Vec<Piece>) -> impl IntoView {
    pieces
        .into_iter()
        .map(|piece| {
            if piece.matched {
                view! { <mark>{piece.text}</mark> }.into_any()
            } else {
                piece.text.into_any()
            }
        })
        .collect_view()
}
