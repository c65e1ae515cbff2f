//! Saving an inbox's widget settings from one section of its page (pre-chat form, business
//! hours, appearance): each section changes its part of the document the server kept last,
//! shared by the sections, and saves the whole, so one section never undoes another.

use leptos::prelude::*;

use crate::api::SetWidgetSettings;
use crate::error::AppError;
use crate::widget_settings::WidgetSettings;

/// One section's save: its server action, and the document the sections share.
#[derive(Clone, Copy)]
pub struct WidgetSave {
    action: ServerAction<SetWidgetSettings>,
    saved: StoredValue<WidgetSettings>,
    inbox_id: i64,
}

impl WidgetSave {
    /// A save for a section of `inbox_id`'s page; what the server keeps becomes `saved`.
    pub fn new(inbox_id: i64, saved: StoredValue<WidgetSettings>) -> WidgetSave {
        let action = ServerAction::<SetWidgetSettings>::new();
        Effect::new(move |_| {
            if let Some(Ok(inbox)) = action.value().get() {
                saved.set_value(inbox.widget);
            }
        });
        WidgetSave {
            action,
            saved,
            inbox_id,
        }
    }

    /// Saves the shared document with this section's `change`.
    pub fn save(self, change: impl FnOnce(&mut WidgetSettings)) {
        let mut settings = self.saved.get_value();
        change(&mut settings);
        self.action.dispatch(SetWidgetSettings {
            inbox_id: self.inbox_id,
            settings: serde_json::to_string(&settings).unwrap_or_default(),
        });
    }

    /// Why the last save was refused.
    pub fn error(self) -> Signal<Option<AppError>> {
        Signal::derive(move || self.action.value().get().and_then(Result::err))
    }

    /// The last save was kept.
    pub fn done(self) -> bool {
        matches!(self.action.value().get(), Some(Ok(_)))
    }

    /// A save is on its way.
    pub fn pending(self) -> bool {
        self.action.pending().get()
    }
}
