//! `/reports`: how the team is doing over a period, for supervisors (their inboxes) and
//! admins (all): the summary figures, conversations per day, the busiest hours and a row per
//! agent, each table downloadable as CSV. The charts arrive drawn by the server (SVG); the
//! page only places them.

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;

use crate::api::{HistoryOptions, load_history_options, report};
use crate::calendar::{Millis, date_text};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::{Me, Role};
use crate::reports::{ReportPage, ReportRequest, Spread};
use crate::ui::agent_page::{AgentPage, TopBar};
use crate::ui::clock;
use crate::ui::errors::error_text;

const DAY: Millis = 86_400_000;

/// The Reports page.
#[component]
pub fn ReportsPage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <Reports me /> } /> }
}

/// A moment's date in the reader's zone as `YYYY-MM-DD`, what a date field holds.
fn date_field(at: Millis, offset_minutes: i64) -> String {
    date_text(at + offset_minutes * 60_000)
}

/// The request for the days `from` to `to` (both included, `YYYY-MM-DD`, as the date fields
/// hold them) in the reader's time zone; the server checks the dates.
fn request_for(from: &str, to: &str, inbox: &str, agent: &str, zone: &str) -> ReportRequest {
    ReportRequest {
        from: from.to_owned(),
        to: to.to_owned(),
        time_zone: zone.to_owned(),
        inbox: inbox.parse().ok(),
        agent: agent.parse().ok(),
    }
}

/// Text as a query parameter's value: letters, digits and `/_-.` as they are, the rest
/// percent-encoded (a zone such as `Etc/GMT+3` keeps its `+`).
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'_' | b'-' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a table of the report shown downloads as CSV.
fn csv_href(table: &str, request: &ReportRequest, locale: Locale) -> String {
    let mut href = format!(
        "/reports/{table}.csv?from={}&to={}&tz={}&lang={}",
        query_value(&request.from),
        query_value(&request.to),
        query_value(&request.time_zone),
        locale.as_str()
    );
    if let Some(inbox) = request.inbox {
        href.push_str(&format!("&inbox={inbox}"));
    }
    if let Some(agent) = request.agent {
        href.push_str(&format!("&agent={agent}"));
    }
    href
}

/// A figure with one decimal, written as the reader's language writes it (`2.5`, `2,5`).
fn one_decimal(i18n: I18nContext<Locale>, n: f64) -> String {
    let text = format!("{n:.1}");
    match i18n.get_locale() {
        Locale::es => text.replace('.', ","),
        Locale::en => text,
    }
}

#[component]
fn Reports(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let may_see = me.role != Role::Operator;
    // Everything here is asked for by the browser once the page is live (effects run only
    // there, after hydration): the server does not know the reader's zone, and a resource read
    // in this lazy page was at times ready on one side of the hydration and not the other.
    let options = RwSignal::new(HistoryOptions {
        inboxes: Vec::new(),
        agents: Vec::new(),
        labels: Vec::new(),
    });
    // The page may be gone when an answer comes: `try_` leaves it then.
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(loaded) = load_history_options().await {
                options.try_set(loaded);
            }
        });
    });
    // The last seven days, today included, in the reader's zone.
    let now = clock::now_millis();
    let offset = clock::offset_minutes(now);
    let from = RwSignal::new(date_field(now - 6 * DAY, offset));
    let to = RwSignal::new(date_field(now, offset));
    let inbox = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let asked = RwSignal::new(request_for(
        &from.get_untracked(),
        &to.get_untracked(),
        "",
        "",
        &clock::time_zone(),
    ));
    // The report shown (with what it was asked for), or `None` while the first loads.
    let shown = RwSignal::new(None::<Result<Option<(ReportRequest, ReportPage)>, AppError>>);
    let asking = StoredValue::new(0u64);
    Effect::new(move |_| {
        let request = asked.get();
        let language = i18n.get_locale().as_str().to_owned();
        asking.update_value(|n| *n += 1);
        let this = asking.get_value();
        leptos::task::spawn_local(async move {
            let answer = if may_see {
                report(request.clone(), language)
                    .await
                    .map(|page| Some((request, page)))
            } else {
                Ok(None)
            };
            // An answer to an earlier question that came late is not shown.
            if asking.try_get_value() == Some(this) {
                shown.try_set(Some(answer));
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.set(request_for(
            &from.get_untracked(),
            &to.get_untracked(),
            &inbox.get_untracked(),
            &agent.get_untracked(),
            &clock::time_zone(),
        ));
    };
    view! {
        <Title text=move || t_string!(i18n, reports_link).to_string() />
        <TopBar me />
        <main class="reports">
            <h1>{t!(i18n, reports_link)}</h1>
            <Show when=move || may_see fallback=move || view! { <p class="error" role="alert">{error_text(i18n, &AppError::Forbidden)}</p> }>
                <form class="page-filter" on:submit=submit>
                    <label>
                        {t!(i18n, history_from)}
                        <input type="date" required prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {t!(i18n, history_to)}
                        <input type="date" required prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {t!(i18n, field_inbox)}
                        <select on:change=move |ev| inbox.set(event_target_value(&ev))>
                            <option value="">{t!(i18n, history_all)}</option>
                            {move || options.with(|o| o.inboxes.iter().map(|i| view! { <option value=i.id.to_string()>{i.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <label>
                        {t!(i18n, history_agent)}
                        <select on:change=move |ev| agent.set(event_target_value(&ev))>
                            <option value="">{t!(i18n, history_all)}</option>
                            {move || options.with(|o| o.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <button type="submit">{t!(i18n, report_show)}</button>
                </form>
                {move || match shown.get() {
                    None => view! { <p class="empty">{t!(i18n, loading)}</p> }.into_any(),
                    Some(Ok(Some((request, shown)))) => view! { <Figures shown request /> }.into_any(),
                    Some(Ok(None)) => ().into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                }}
            </Show>
        </main>
    }
}

/// A section's heading with its CSV download.
#[component]
fn SectionHead(
    /// The section's id, for its heading.
    id: &'static str,
    /// The heading.
    title: Signal<String>,
    /// The table's file name (without `.csv`).
    table: &'static str,
    /// The report shown, for the download's figures.
    request: ReportRequest,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header>
            <h2 id=id>{title}</h2>
            <a
                class="csv"
                download
                href=move || csv_href(table, &request, i18n.get_locale())
                aria-label=move || t_string!(i18n, report_download, table = title.get()).to_string()
            >
                {t!(i18n, report_csv)}
            </a>
        </header>
    }
}

/// The report's figures, charts and agents.
#[component]
fn Figures(shown: ReportPage, request: ReportRequest) -> impl IntoView {
    let i18n = use_i18n();
    let report = shown.view.report;
    let names = shown.view.agents;
    let share = move |part: usize| {
        (report.started > 0).then(|| {
            let percent = (part * 100 + report.started / 2) / report.started;
            t_string!(i18n, report_share, percent = percent).to_string()
        })
    };
    let answered_share = share(report.answered);
    let missed_share = share(report.missed);
    let ratings = report.ratings;
    let messages = report
        .messages_per_conversation
        .map(|n| one_decimal(i18n, n))
        .unwrap_or_else(|| "—".to_owned());
    let rating = ratings
        .average
        .map(|n| t_string!(i18n, report_out_of_five, value = one_decimal(i18n, n)).to_string())
        .unwrap_or_else(|| "—".to_owned());
    let first_day = crate::calendar::date_start_utc(&request.from).unwrap_or(0);
    let daily = report.daily.clone();
    let busiest = report.busiest;
    let agents = report.agents.clone();
    view! {
        <section class="report-section" aria-labelledby="report-summary">
            <SectionHead id="report-summary" title=Signal::derive(move || t_string!(i18n, report_summary).to_string()) table="summary" request=request.clone() />
            <div class="cards">
                <Card label=Signal::derive(move || t_string!(i18n, report_started).to_string()) figure=report.started.to_string() />
                <Card label=Signal::derive(move || t_string!(i18n, report_answered).to_string()) figure=report.answered.to_string() aside=answered_share />
                <Card label=Signal::derive(move || t_string!(i18n, report_missed).to_string()) figure=report.missed.to_string() aside=missed_share />
                <TimeCard label=Signal::derive(move || t_string!(i18n, report_first_response).to_string()) spread=report.first_response />
                <TimeCard label=Signal::derive(move || t_string!(i18n, report_wait).to_string()) spread=report.wait />
                <TimeCard label=Signal::derive(move || t_string!(i18n, report_duration).to_string()) spread=report.duration />
                <Card label=Signal::derive(move || t_string!(i18n, report_messages).to_string()) figure=messages />
                <Card
                    label=Signal::derive(move || t_string!(i18n, report_rating).to_string())
                    figure=rating
                    aside=Some(t_string!(i18n, report_ratings_given, count = ratings.count).to_string())
                />
            </div>
            <details class="definitions">
                <summary>{t!(i18n, report_definitions)}</summary>
                <p>{t!(i18n, report_definitions_text)}</p>
            </details>
        </section>
        <section class="report-section" aria-labelledby="report-daily">
            <SectionHead id="report-daily" title=Signal::derive(move || t_string!(i18n, report_daily_chart).to_string()) table="daily" request=request.clone() />
            <div class="chart-frame latest" role="group" tabindex="0" aria-labelledby="report-daily" inner_html=shown.charts.daily></div>
            <details class="figures">
                <summary>{t!(i18n, report_as_table)}</summary>
                <div class="table-frame" role="group" tabindex="0" aria-labelledby="report-daily">
                    <table class="data">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, report_day)}</th>
                                <th scope="col">{t!(i18n, report_started)}</th>
                                <th scope="col">{t!(i18n, report_answered)}</th>
                                <th scope="col">{t!(i18n, report_missed)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {daily
                                .into_iter()
                                .enumerate()
                                .map(|(i, day)| view! {
                                    <tr>
                                        <th scope="row">{date_text(first_day + i as Millis * DAY)}</th>
                                        <td class="number">{day.started}</td>
                                        <td class="number">{day.answered}</td>
                                        <td class="number">{day.missed}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
        <section class="report-section" aria-labelledby="report-busiest">
            <SectionHead id="report-busiest" title=Signal::derive(move || t_string!(i18n, report_busiest_chart).to_string()) table="hours" request=request.clone() />
            <div class="chart-frame" role="group" tabindex="0" aria-labelledby="report-busiest" inner_html=shown.charts.busiest></div>
            <details class="figures">
                <summary>{t!(i18n, report_as_table)}</summary>
                <div class="table-frame" role="group" tabindex="0" aria-labelledby="report-busiest">
                    <table class="data heat-table">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, report_weekday)}</th>
                                {(0..24).map(|hour| view! { <th scope="col">{format!("{hour:02}")}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {busiest
                                .into_iter()
                                .enumerate()
                                .map(|(weekday, hours)| view! {
                                    <tr>
                                        <th scope="row">{move || weekday_name(i18n, weekday)}</th>
                                        {hours.into_iter().map(|n| view! { <td class="number">{n}</td> }).collect_view()}
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
        <section class="report-section" aria-labelledby="report-agents">
            <SectionHead id="report-agents" title=Signal::derive(move || t_string!(i18n, report_agents).to_string()) table="agents" request />
            {if agents.is_empty() {
                view! { <p class="empty">{t!(i18n, report_no_agents)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-frame" role="group" tabindex="0" aria-labelledby="report-agents">
                        <table class="data" aria-labelledby="report-agents">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, history_agent)}</th>
                                    <th scope="col">{t!(i18n, report_handled)}</th>
                                    <th scope="col">{t!(i18n, report_first_response_p50)}</th>
                                    <th scope="col">{t!(i18n, report_handling)}</th>
                                    <th scope="col">{t!(i18n, report_online)}</th>
                                    <th scope="col">{t!(i18n, report_away)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {agents
                                    .into_iter()
                                    .map(|row| {
                                        let name = names
                                            .iter()
                                            .find(|a| a.id == row.agent)
                                            .map(|a| a.name.clone())
                                            .unwrap_or_default();
                                        let duration = move |ms: Option<Millis>| {
                                            ms.map(|ms| clock::elapsed_text(i18n, ms)).unwrap_or_else(|| "—".to_owned())
                                        };
                                        view! {
                                            <tr>
                                                <th scope="row">{name}</th>
                                                <td class="number">{row.handled}</td>
                                                <td class="number">{move || duration(row.first_response.p50)}</td>
                                                <td class="number">{move || duration(row.average_handling)}</td>
                                                <td class="number">{move || duration(Some(row.online))}</td>
                                                <td class="number">{move || duration(Some(row.away))}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

/// A weekday's name, Monday 0.
fn weekday_name(i18n: I18nContext<Locale>, weekday: usize) -> String {
    match weekday {
        0 => t_string!(i18n, day_monday),
        1 => t_string!(i18n, day_tuesday),
        2 => t_string!(i18n, day_wednesday),
        3 => t_string!(i18n, day_thursday),
        4 => t_string!(i18n, day_friday),
        5 => t_string!(i18n, day_saturday),
        _ => t_string!(i18n, day_sunday),
    }
    .to_string()
}

/// A summary figure: its name, the figure, and a line under it.
#[component]
fn Card(
    /// What the figure is.
    label: Signal<String>,
    /// The figure.
    figure: String,
    /// A line under it.
    #[prop(optional_no_strip)]
    aside: Option<String>,
) -> impl IntoView {
    view! {
        <div class="figure-card" role="group" aria-label=label>
            <p class="label">{label}</p>
            <p class="figure">{figure}</p>
            {aside.map(|aside| view! { <p class="aside">{aside}</p> })}
        </div>
    }
}

/// A summary duration: the median, and the time nine in ten stayed within.
#[component]
fn TimeCard(
    /// What the duration is.
    label: Signal<String>,
    /// Its spread.
    spread: Spread,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="figure-card" role="group" aria-label=label>
            <p class="label">{label}</p>
            <p class="figure">
                {match spread.p50 {
                    Some(ms) => view! {
                        {move || clock::elapsed_text(i18n, ms)}
                        <span class="unit">{t!(i18n, report_median)}</span>
                    }
                    .into_any(),
                    None => "—".into_any(),
                }}
            </p>
            {spread.p90.map(|ms| view! {
                <p class="aside">{move || t_string!(i18n, report_nine_in_ten, time = clock::elapsed_text(i18n, ms)).to_string()}</p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_downloads_carry_the_days_the_zone_and_the_filters() {
        let request = request_for("2026-11-23", "2026-11-29", "3", "", "Etc/GMT+3");
        assert_eq!((request.inbox, request.agent), (Some(3), None));
        assert_eq!(
            csv_href("agents", &request, Locale::es),
            "/reports/agents.csv?from=2026-11-23&to=2026-11-29&tz=Etc/GMT%2B3&lang=es&inbox=3"
        );
        assert_eq!(date_field(1_795_305_600_000 - 1, 60), "2026-11-22");
        assert_eq!(date_field(1_795_305_600_000 - 1, 0), "2026-11-21");
    }
}
