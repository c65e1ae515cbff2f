//! `/admin`: the team's settings as pages under one menu: inboxes (each with a page of its
//! own: name and availability, the snippet for a website, chat settings, timers, ticket
//! webhook, deletion), agents (created, edited, disabled, deleted), the blocks in force, and
//! the audit log of account and inbox changes.

mod agents;
mod audit;
pub mod auto_assign;
mod blocking;
mod event_webhooks;
mod hours;
mod inboxes;
mod look;
mod pre_chat;
mod webhook;
mod widget_save;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    CreateAgent, CreateInbox, DeleteAgent, DeleteInbox, ResetAgentPassword, SetAgentEnabled,
    UpdateAgent, UpdateInbox, load_admin,
};
use crate::i18n::*;
use crate::model::Me;
use crate::ui::agent_page::{AgentPage, TopBar};
use agents::AgentsPage;
use audit::AuditPage;
use blocking::BlocksSection;
use inboxes::{InboxPage, InboxesPage};

/// A page of the administration, from its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSection {
    /// `/admin`: the inboxes.
    Inboxes,
    /// `/admin/inboxes/ID`: one inbox's settings.
    Inbox(i64),
    /// `/admin/agents`.
    Agents,
    /// `/admin/blocks`.
    Blocks,
    /// `/admin/audit`.
    Audit,
    /// Anything else under `/admin`.
    Unknown,
}

impl AdminSection {
    /// The section an address shows.
    pub fn parse(path: &str) -> AdminSection {
        let Some(rest) = path.trim_end_matches('/').strip_prefix("/admin") else {
            return AdminSection::Unknown;
        };
        match rest {
            "" => AdminSection::Inboxes,
            "/agents" => AdminSection::Agents,
            "/blocks" => AdminSection::Blocks,
            "/audit" => AdminSection::Audit,
            other => other
                .strip_prefix("/inboxes/")
                .and_then(|id| id.parse::<i64>().ok())
                .filter(|id| *id > 0)
                .map_or(AdminSection::Unknown, AdminSection::Inbox),
        }
    }

    /// The menu entry it belongs to (an inbox's page is under Inboxes).
    fn menu_entry(self) -> AdminSection {
        match self {
            AdminSection::Inbox(_) => AdminSection::Inboxes,
            other => other,
        }
    }
}

/// The administration's commands; each one that succeeds reloads the overview.
#[derive(Clone, Copy)]
pub struct AdminActions {
    /// Creates an inbox.
    pub create_inbox: ServerAction<CreateInbox>,
    /// Creates an account.
    pub create_agent: ServerAction<CreateAgent>,
    /// Edits an account.
    pub update_agent: ServerAction<UpdateAgent>,
    /// Gives an account a new password.
    pub reset_password: ServerAction<ResetAgentPassword>,
    /// Disables or enables an account.
    pub set_enabled: ServerAction<SetAgentEnabled>,
    /// Deletes an account.
    pub delete_agent: ServerAction<DeleteAgent>,
    /// Renames an inbox or switches it on or off.
    pub update_inbox: ServerAction<UpdateInbox>,
    /// Deletes an inbox.
    pub delete_inbox: ServerAction<DeleteInbox>,
}

impl AdminActions {
    fn new() -> Self {
        AdminActions {
            create_inbox: ServerAction::new(),
            create_agent: ServerAction::new(),
            update_agent: ServerAction::new(),
            reset_password: ServerAction::new(),
            set_enabled: ServerAction::new(),
            delete_agent: ServerAction::new(),
            update_inbox: ServerAction::new(),
            delete_inbox: ServerAction::new(),
        }
    }

    /// Counts up in `reloads` whenever a command that changes the overview succeeds (a refused
    /// one leaves the pages as they are, with what the admin typed and the error).
    fn reload_on_success(&self, reloads: RwSignal<usize>) {
        reload_after(self.create_inbox, reloads);
        reload_after(self.create_agent, reloads);
        reload_after(self.update_agent, reloads);
        reload_after(self.set_enabled, reloads);
        reload_after(self.delete_agent, reloads);
        reload_after(self.update_inbox, reloads);
        reload_after(self.delete_inbox, reloads);
    }
}

fn reload_after<A>(action: ServerAction<A>, reloads: RwSignal<usize>)
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    A::Error: Send + Sync + 'static,
{
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            reloads.update(|n| *n += 1);
        }
    });
}

/// The admin pages; admins only (others go back to the workspace).
#[component]
pub fn AdminPage() -> impl IntoView {
    view! { <AgentPage admin_only=true page=|me| view! { <Admin me /> } /> }
}

#[component]
fn Admin(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let section = Memo::new(move |_| AdminSection::parse(&location.pathname.get()));
    let actions = AdminActions::new();
    let editing = RwSignal::new(None::<i64>);
    // Another account's editor starts clean: no "saved" or error left from the one before.
    Effect::new(move |before: Option<Option<i64>>| {
        let now = editing.get();
        if before.is_some_and(|before| before != now) {
            actions.update_agent.value().set(None);
            actions.reset_password.value().set(None);
            actions.set_enabled.value().set(None);
            actions.delete_agent.value().set(None);
        }
        now
    });
    let me_id = me.id;
    let reloads = RwSignal::new(0usize);
    actions.reload_on_success(reloads);
    let overview = Resource::new(move || reloads.get(), |_| load_admin());
    // A new inbox opens on its own page, where its snippet is; a deleted one leaves the list.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(inbox)) = actions.create_inbox.value().get() {
            navigate(&format!("/admin/inboxes/{}", inbox.id), Default::default());
        }
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.delete_inbox.value().get() {
            navigate("/admin", Default::default());
        }
    });
    let entry = move |target: AdminSection, href: &'static str, name: Signal<String>| {
        view! {
            <a
                href=href
                aria-current=move || (section.get().menu_entry() == target).then_some("page")
            >
                {name}
            </a>
        }
    };
    view! {
        <Title text=move || t_string!(i18n, admin_title).to_string() />
        <TopBar me />
        <div class="admin-layout">
            <nav class="admin-nav" aria-labelledby="admin-heading">
                <h1 id="admin-heading">{t!(i18n, admin_title)}</h1>
                {entry(AdminSection::Inboxes, "/admin", Signal::derive(move || t_string!(i18n, inboxes_heading).to_string()))}
                {entry(AdminSection::Agents, "/admin/agents", Signal::derive(move || t_string!(i18n, agents_heading).to_string()))}
                {entry(AdminSection::Blocks, "/admin/blocks", Signal::derive(move || t_string!(i18n, blocks_heading).to_string()))}
                {entry(AdminSection::Audit, "/admin/audit", Signal::derive(move || t_string!(i18n, audit_heading).to_string()))}
            </nav>
            <main class="admin">
                <Transition>
                    {move || Suspend::new(async move {
                        overview
                            .await
                            .map(|overview| {
                                move || match section.get() {
                                    AdminSection::Inboxes => {
                                        view! { <InboxesPage overview=overview.clone() action=actions.create_inbox /> }.into_any()
                                    }
                                    AdminSection::Inbox(id) => {
                                        view! { <InboxPage overview=overview.clone() id actions /> }.into_any()
                                    }
                                    AdminSection::Agents => {
                                        view! {
                                            <AgentsPage
                                                inboxes=overview.inboxes.clone()
                                                agents=overview.agents.clone()
                                                actions
                                                editing
                                                me_id
                                            />
                                        }
                                            .into_any()
                                    }
                                    AdminSection::Blocks => view! { <BlocksSection /> }.into_any(),
                                    AdminSection::Audit => view! { <AuditPage /> }.into_any(),
                                    AdminSection::Unknown => {
                                        view! { <p class="empty">{t!(i18n, not_found_text)}</p> }.into_any()
                                    }
                                }
                            })
                    })}
                </Transition>
            </main>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_admin_address_is_a_section() {
        assert_eq!(AdminSection::parse("/admin"), AdminSection::Inboxes);
        assert_eq!(AdminSection::parse("/admin/"), AdminSection::Inboxes);
        assert_eq!(AdminSection::parse("/admin/agents"), AdminSection::Agents);
        assert_eq!(AdminSection::parse("/admin/blocks"), AdminSection::Blocks);
        assert_eq!(AdminSection::parse("/admin/audit"), AdminSection::Audit);
        assert_eq!(
            AdminSection::parse("/admin/inboxes/4"),
            AdminSection::Inbox(4)
        );
        assert_eq!(
            AdminSection::parse("/admin/inboxes/0"),
            AdminSection::Unknown
        );
        assert_eq!(
            AdminSection::parse("/admin/inboxes/x"),
            AdminSection::Unknown
        );
        assert_eq!(AdminSection::parse("/admin/other"), AdminSection::Unknown);
        assert_eq!(AdminSection::parse("/administrator"), AdminSection::Unknown);
        assert_eq!(AdminSection::Inbox(4).menu_entry(), AdminSection::Inboxes);
    }
}
