//! The online visitors table: who is on the site now, where from, which page, how often they
//! came and chatted, how long they have been here, browsing or chatting. Live (the server's
//! coalesced changes), filtered by inbox and page, fifty rows a page.

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::OnlineVisitor;
use crate::online_table::{TableFilter, page_count, page_of};
use crate::ui::clock::elapsed_text;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::workspace::DeskState;

/// The table, with its page filter and pager.
#[component]
pub fn OnlineVisitorsPanel(
    /// The inbox chosen in the left menu, if any.
    #[prop(into)]
    inbox_filter: Signal<Option<i64>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let page_query = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    let rows = Memo::new(move |_| {
        let filter = TableFilter {
            inbox_id: inbox_filter.get(),
            page: page_query.get(),
        };
        desk.online.with(|table| table.filtered(&filter))
    });
    let last_page = Memo::new(move |_| page_count(rows.with(Vec::len)) - 1);
    let shown = Memo::new(move |_| rows.with(|rows| page_of(rows, page.get())));
    let range = move || {
        shown.with(|(_, from, to, total)| {
            t_string!(i18n, page_range, from = *from, to = *to, total = *total).to_string()
        })
    };
    view! {
        <section class="visitors" aria-labelledby="visitors-heading">
            <div class="visitors-bar">
                <h2 id="visitors-heading">{t!(i18n, visitors_table_label)}</h2>
                <label>
                    {t!(i18n, filter_page)}
                    <input
                        type="search"
                        prop:value=page_query
                        on:input=move |ev| {
                            page_query.set(event_target_value(&ev));
                            page.set(0);
                        }
                    />
                </label>
                <span class="range">{range}</span>
                <button
                    type="button"
                    aria-label=move || t_string!(i18n, previous_page).to_string()
                    disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                >
                    "‹"
                </button>
                <button
                    type="button"
                    aria-label=move || t_string!(i18n, next_page).to_string()
                    disabled=move || { page.get() >= last_page.get() }
                    on:click=move |_| page.update(|p| *p += 1)
                >
                    "›"
                </button>
            </div>
            <table>
                <caption class="visually-hidden">{t!(i18n, visitors_table_label)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, col_status)}</th>
                        <th scope="col">{t!(i18n, col_visitor)}</th>
                        <th scope="col">{t!(i18n, col_from)}</th>
                        <th scope="col">{t!(i18n, col_viewing)}</th>
                        <th scope="col">{t!(i18n, col_visits)}</th>
                        <th scope="col">{t!(i18n, col_chats)}</th>
                        <th scope="col">{t!(i18n, col_time_on_site)}</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || shown.get().0
                        key=|row| (row.visitor_id, row.page_url.clone(), row.chatting, row.label.clone(), row.chats, row.visits)
                        let:row
                    >
                        <VisitorRow row />
                    </For>
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">{t!(i18n, no_visitors)}</p>
            </Show>
        </section>
    }
}

/// A visitor's status in words: chatting, or browsing.
pub fn status_text(i18n: leptos_i18n::I18nContext<Locale>, chatting: bool) -> String {
    if chatting {
        t_string!(i18n, status_chatting).to_string()
    } else {
        t_string!(i18n, status_browsing).to_string()
    }
}

/// A visitor's status icon (seed 000): a bubble when chatting, an eye when watching a page;
/// with its class.
pub fn status_icon(chatting: bool) -> (&'static str, Glyph) {
    if chatting {
        ("status-icon chatting", Glyph::Chat)
    } else {
        ("status-icon browsing", Glyph::Eye)
    }
}

#[component]
fn VisitorRow(row: OnlineVisitor) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let id = row.visitor_id;
    let since = row.since;
    let chatting = row.chatting;
    let status = move || status_text(i18n, chatting);
    let label = row.label.clone();
    let open_label = move || t_string!(i18n, open_profile, name = label.clone()).to_string();
    let location = row.location.clone();
    let (icon_class, icon) = status_icon(chatting);
    view! {
        <tr class:chatting=chatting>
            <td>
                <span class=icon_class aria-hidden="true"><Icon glyph=icon /></span>
                <span class="status-text">{status}</span>
            </td>
            <td>
                <button type="button" class="link" aria-label=open_label on:click=move |_| desk.profile.set(Some(id))>
                    {row.label.clone()}
                </button>
            </td>
            <td>{move || location.clone().unwrap_or_else(|| t_string!(i18n, unknown).to_string())}</td>
            <td>
                <a href=row.page_url.clone() target="_blank" rel="noopener noreferrer">{row.page_title.clone()}</a>
            </td>
            <td>{row.visits}</td>
            <td>{row.chats}</td>
            <td>{move || elapsed_text(i18n, desk.now.get() - since)}</td>
        </tr>
    }
}
