//! The HTML shell and the routes.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::i18n::*;
use crate::ui::admin::AdminPage;
use crate::ui::agent_page::AgentLanguage;
use crate::ui::auth_pages::{SetupPage, SignInPage};
use crate::ui::chat_logs::ChatLogsPage;
use crate::ui::contacts_page::{ContactPage, ContactsPage};
use crate::ui::log_page::LogPage;
use crate::ui::reports_page::ReportsPage;
use crate::ui::settings::SettingsPage;
use crate::ui::tickets_page::{TicketPage, TicketsPage};
use crate::ui::workspace::WorkspacePage;

/// A page agents open rarely, as a lazy route: with `cargo leptos build --split` its code
/// (and what only it uses) becomes a WASM chunk of its own, fetched the first time the page
/// is opened; without `--split` it is ordinary code.
macro_rules! lazy_page {
    ($route:ident => $page:ident) => {
        #[doc = concat!("The lazy route of [`", stringify!($page), "`].")]
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(AdminRoute => AdminPage);
lazy_page!(SettingsRoute => SettingsPage);
lazy_page!(LogRoute => LogPage);
lazy_page!(ChatLogsRoute => ChatLogsPage);
lazy_page!(TicketsRoute => TicketsPage);
lazy_page!(TicketRoute => TicketPage);
lazy_page!(ContactsRoute => ContactsPage);
lazy_page!(ContactRoute => ContactPage);
lazy_page!(ReportsRoute => ReportsPage);

/// The document around every page, rendered on the server, in the agent's theme when they
/// chose one.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = crate::ui::theme::current().attribute();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: one route per page. The workspace, sign-in and setup are in the main
/// bundle; the pages agents open rarely are lazy routes, each fetched on first use.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                // One workspace for `/` and `/conversations/ID`: moving between conversations
                // changes the address, not the page (its socket and store stay).
                <ParentRoute path=path!("") view=WorkspacePage ssr=SsrMode::Async>
                    <Route path=path!("") view=|| () />
                    <Route path=path!("conversations/:id") view=|| () />
                </ParentRoute>
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=SignInPage ssr=SsrMode::Async />
                <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/*section") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/conversations/:id/log") view={Lazy::<LogRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/history") view={Lazy::<ChatLogsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/tickets") view={Lazy::<TicketsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/tickets/:id") view={Lazy::<TicketRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/contacts") view={Lazy::<ContactsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/contacts/:id") view={Lazy::<ContactRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/reports") view={Lazy::<ReportsRoute>::new()} ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// Shown for any address that is not a page.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <AgentLanguage>
            <NotFoundBody />
        </AgentLanguage>
    }
}

#[component]
fn NotFoundBody() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, not_found_title).to_string() />
        <main class="narrow">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <A href="/">{t!(i18n, back_home)}</A>
        </main>
    }
}
