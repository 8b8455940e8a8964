//! Component tests in a real browser (wasm-bindgen-test, headless Chromium).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_default_bundle_decodes_in_the_browser_to_the_card_counts() {
    // The bytes the app fetches, decoded by the same code path, in wasm.
    let bytes = include_bytes!("../www/data/pamela-synthetic.pamb");
    let ds = pamela_core::bundle::decode(bytes).expect("the default bundle decodes");
    let s = pamela_core::summary::CardStats::of(&ds);
    assert_eq!(s.ratings, 69_904);
    assert_eq!(s.images, 5_077);
    assert_eq!(s.participants, 199);
    assert_eq!(s.source, "synthetic");
}

/// Component tests: mount one component with the shared state and the default data, click,
/// and read the DOM, as leptos's own examples do.
mod components {
    use leptos::prelude::*;
    use pamela_core::{Dim, Key};
    use pamela_explorer::app::{new_ctx, Ctx};
    use pamela_explorer::components::{chips::Chips, means::Means};
    use pamela_explorer::data::Loaded;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;
    use web_sys::{Element, HtmlElement};

    /// A fresh element to mount into, and the state with the default data loaded.
    fn setup() -> (HtmlElement, Ctx) {
        let doc = web_sys::window().unwrap().document().unwrap();
        let host: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
        doc.body().unwrap().append_child(&host).unwrap();
        let ctx = new_ctx();
        let bytes = include_bytes!("../www/data/pamela-synthetic.pamb");
        let ds = pamela_core::bundle::decode(bytes).unwrap();
        ctx.set_data(Loaded::new(ds, "test".into(), Vec::new()));
        (host, ctx)
    }

    /// Lets the reactive system run its effects (they are scheduled, not run at once).
    async fn settle() {
        for _ in 0..3 {
            let p = js_sys::Promise::new(&mut |resolve, _| {
                web_sys::window()
                    .unwrap()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                    .unwrap();
            });
            wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
        }
    }

    /// A real, bubbling click on any element (SVG elements have no `click()`).
    fn click(el: &Element) {
        let init = web_sys::MouseEventInit::new();
        init.set_bubbles(true);
        let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
        el.dispatch_event(&ev).unwrap();
    }

    fn all(host: &Element, selector: &str) -> Vec<HtmlElement> {
        let list = host.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|k| list.item(k))
            .map(|n| n.unchecked_into())
            .collect()
    }

    #[wasm_bindgen_test]
    async fn the_means_chart_has_a_row_per_group_and_a_click_filters_to_that_group() {
        let (host, ctx) = setup();
        let mount = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            view! { <Means key=Key::Group/> }
        });
        settle().await;
        let rows = all(&host, "svg .row");
        assert_eq!(rows.len(), 21, "one row per visual group");
        let label = rows[3].get_attribute("aria-label").unwrap();
        let group = label.split(':').next().unwrap().to_string();
        let id = rows[3].id();
        click(&rows[3]);
        settle().await;
        let chosen = ctx.ui.filter.get_untracked();
        assert_eq!(chosen.values(Dim::Group).map(|v| v.len()), Some(1));
        // The clicked group is drawn as chosen and, sorted by mean, is now first; its id went
        // with it (after a redraw, focus is restored by id).
        let first = all(&host, "svg .row").remove(0);
        assert!(first
            .get_attribute("aria-label")
            .unwrap()
            .starts_with(&group));
        assert_eq!(first.get_attribute("class").as_deref(), Some("row mark on"));
        assert_eq!(first.id(), id, "the group's id follows the group");
        drop(mount);
    }

    #[wasm_bindgen_test]
    async fn a_chip_removes_its_own_filter_and_leaves_the_others() {
        let (host, ctx) = setup();
        ctx.edit_filter(|f| {
            f.only(Dim::Gender, "female");
            f.age = Some((20, 29));
        });
        let mount = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            view! { <Chips/> }
        });
        settle().await;
        let chips = all(&host, ".chip");
        assert_eq!(chips.len(), 2);
        assert_eq!(
            chips[0].text_content().unwrap().trim_end_matches('×'),
            "age 20–29"
        );
        let remove: HtmlElement = chips[1]
            .query_selector("button")
            .unwrap()
            .unwrap()
            .unchecked_into();
        click(&remove);
        settle().await;
        let f = ctx.ui.filter.get_untracked();
        assert_eq!(f.values(Dim::Gender), None, "gender is cleared");
        assert_eq!(f.age, Some((20, 29)), "age stays");
        assert_eq!(all(&host, ".chip").len(), 1);
        drop(mount);
    }
}
