//! Blocking on the admin page: the blocks in force, each with Unblock.

use leptos::prelude::*;

use crate::api::{Unblock, load_blocks};
use crate::i18n::*;
use crate::ui::clock;
use crate::ui::errors::{ErrorNote, error_text};

/// Every block in force, newest first, each with a button that lifts it.
#[component]
pub fn BlocksSection() -> impl IntoView {
    let i18n = use_i18n();
    let unblock = ServerAction::<Unblock>::new();
    let error = Signal::derive(move || unblock.value().get().and_then(Result::err));
    let blocks = Resource::new(move || unblock.version().get(), |_| load_blocks());
    view! {
        <section aria-labelledby="blocks-heading">
            <h2 id="blocks-heading">{t!(i18n, blocks_heading)}</h2>
            <ErrorNote error />
            <Transition>
                {move || Suspend::new(async move {
                    match blocks.await {
                        Ok(list) if list.is_empty() => view! { <p>{t!(i18n, blocks_empty)}</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="data">
                                <thead>
                                    <tr>
                                        <th>{t!(i18n, history_visitor)}</th>
                                        <th>{t!(i18n, field_ip)}</th>
                                        <th>{t!(i18n, field_reason)}</th>
                                        <th>{t!(i18n, blocks_by)}</th>
                                        <th>{t!(i18n, blocks_until)}</th>
                                        <th></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|block| {
                                            let id = block.id;
                                            let who = block
                                                .visitor_label
                                                .clone()
                                                .or(block.ip_range.clone())
                                                .unwrap_or_default();
                                            let until = block.until;
                                            view! {
                                                <tr>
                                                    <td>{block.visitor_label.unwrap_or_else(|| "—".into())}</td>
                                                    <td>{block.ip_range.unwrap_or_else(|| "—".into())}</td>
                                                    <td>{block.reason}</td>
                                                    <td>{block.created_by.unwrap_or_else(|| "—".into())}</td>
                                                    <td>{move || match until {
                                                        Some(at) => clock::date_time(i18n, at),
                                                        None => t_string!(i18n, block_forever).to_string(),
                                                    }}</td>
                                                    <td>
                                                        <button
                                                            type="button"
                                                            aria-label=move || t_string!(i18n, blocks_unblock_who, who = who.clone()).to_string()
                                                            on:click=move |_| { unblock.dispatch(Unblock { block_id: id }); }
                                                        >
                                                            {t!(i18n, unblock)}
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
