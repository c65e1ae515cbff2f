//! A field for a new password, the same wherever one is chosen (a new account, an admin's
//! reset, an agent's own change): at least 8 characters, and the browser's password manager
//! may offer one.

use leptos::prelude::*;

/// A labelled new-password input bound to `value`; `children` is the label.
#[component]
pub fn NewPasswordField(value: RwSignal<String>, children: Children) -> impl IntoView {
    view! {
        <label>
            {children()}
            <input
                type="password"
                required
                minlength="8"
                autocomplete="new-password"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}
