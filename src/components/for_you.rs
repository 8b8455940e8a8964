//! "For you": a visitor's age, gender and nationality (and, if they like, a few ratings) go to
//! the predictor worker; back come predicted scores for every image, shown per visual group
//! and style beside everyone's mean, as top images, and as the images where the visitor is
//! predicted to differ most from the crowd. The profile never leaves the page; it is stored on
//! the device only when the visitor asks.

use crate::app::{use_ctx, Level, Shared};
use crate::charts::format::Fixed;
use crate::charts::format::{score, signed, thousands};
use crate::charts::render;
use crate::charts::render::PairRow;
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::predictor::{Miss, PredictorCtx, Status};
use crate::summaries::{in_order, ForYouSummary, GroupMiss, ImagePick, Paired};
use leptos::prelude::*;

const STORE_KEY: &str = "pamela.profile";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

#[component]
pub fn ForYou() -> impl IntoView {
    let ctx = use_ctx();
    let pred = expect_context::<PredictorCtx>();
    let detail = RwSignal::new(String::new());
    let age = RwSignal::new(String::from("30"));
    let gender = RwSignal::new(String::new());
    let nationality = RwSignal::new(String::new());
    let ratings: RwSignal<Vec<(usize, f32)>> = RwSignal::new(Vec::new());
    let remembered = RwSignal::new(false);
    // The prediction before the visitor's last rating (drawn as rings), and the order of the
    // rows as the first prediction for this profile sorted them (kept while rating).
    let previous = RwSignal::new(None::<Shared<crate::predictor::Prediction>>);
    let order = RwSignal::new(None::<(Vec<String>, Vec<String>)>);
    let rate = move |i: usize, v: f32| {
        if v.is_finite() {
            previous.set(pred.prediction.get_untracked());
        }
        ratings.update(|r| r.push((i, v)));
    };

    // A profile remembered on this device, if the visitor asked for it earlier.
    if let Some(text) = storage().and_then(|s| s.get_item(STORE_KEY).ok().flatten()) {
        let parts: Vec<&str> = text.splitn(3, '\u{1f}').collect();
        if let [a, g, n] = parts.as_slice() {
            age.set(a.to_string());
            gender.set(g.to_string());
            nationality.set(n.to_string());
            remembered.set(true);
        }
    }
    let options = Memo::new(move |_| {
        ctx.data.with(|d| {
            d.as_ref().map(|d| {
                let g: Vec<String> = (0..d.ds.dicts.genders.len() as u16)
                    .map(|v| d.ds.dicts.genders.get(v).to_string())
                    .collect();
                let n: Vec<String> = d.ds.dicts.nationalities.values().to_vec();
                (g, n)
            })
        })
    });
    // Other data loaded: ratings refer to its images no more.
    Effect::new(move |prev: Option<Option<usize>>| {
        let id = ctx
            .data
            .with(|d| d.as_ref().map(|d| std::sync::Arc::as_ptr(&d.0) as usize));
        if prev.is_some_and(|p| p != id) {
            ratings.set(Vec::new());
            previous.set(None);
            order.set(None);
            pred.data_changed(ctx.data.get_untracked());
        }
        id
    });
    let ask = move || {
        let a: f64 = age.get_untracked().trim().parse().unwrap_or(f64::NAN);
        if !(1.0..=120.0).contains(&a) {
            ctx.notify(
                Level::Error,
                "Give an age in years (1 to 120) for a prediction.",
            );
            return;
        }
        let given: Vec<(usize, f32)> = ratings
            .get_untracked()
            .into_iter()
            .filter(|r| r.1.is_finite())
            .collect();
        pred.predict(
            a,
            &gender.get_untracked(),
            &nationality.get_untracked(),
            &given,
        );
    };
    // Re-predict when the model becomes ready and whenever ratings change.
    Effect::new(move |_| {
        let ready = pred.status.get() == Status::Ready;
        ratings.track();
        if ready && !gender.get_untracked().is_empty() {
            ask();
        }
    });
    Effect::new(move |_| {
        // Choose sensible defaults once options exist.
        if let Some((g, n)) = options.get() {
            if gender.get_untracked().is_empty() {
                gender.set(
                    g.iter()
                        .find(|x| x.as_str() == "female")
                        .cloned()
                        .unwrap_or_else(|| g.first().cloned().unwrap_or_default()),
                );
            }
            if nationality.get_untracked().is_empty() {
                nationality.set(n.first().cloned().unwrap_or_default());
            }
        }
    });
    let summary = Memo::new(move |_| {
        let p = pred.prediction.get()?;
        let d = ctx.data.get()?;
        ForYouSummary::of(&d.ds, &d.overall, &p.scores)
    });
    let before = Memo::new(move |_| {
        let p = previous.get()?;
        let d = ctx.data.get()?;
        ForYouSummary::of(&d.ds, &d.overall, &p.scores)
    });
    // The first summary for a profile sets the order the charts keep while the visitor rates.
    Effect::new(move |_| {
        summary.with(|s| {
            if let (Some(s), None) = (s, order.get_untracked()) {
                let labels = |v: &Vec<Paired>| v.iter().map(|p| p.label.clone()).collect();
                order.set(Some((labels(&s.groups), labels(&s.styles))));
            }
        })
    });
    // How far a predicted score typically misses, for a visitor with this many ratings.
    let miss = Memo::new(move |_| {
        let used = pred
            .prediction
            .with(|p| p.as_ref().map_or(0, |p| p.ratings_used));
        pred.card
            .with(|c| c.as_ref().and_then(|c| c.typical_miss(used)))
    });
    type Misses = (Option<GroupMiss>, Option<GroupMiss>);
    type Pick = fn(&ForYouSummary) -> &Vec<Paired>;
    type Keep = fn(&(Vec<String>, Vec<String>)) -> &Vec<String>;
    type PickMiss = fn(&Misses) -> Option<GroupMiss>;
    // One chart's rows as shown (and tabled): in the kept order, with the likely range and the
    // prediction before the last rating.
    let rows_of = move |pick: Pick, keep: Keep, pick_miss: PickMiss| -> Option<Vec<PairRow>> {
        summary.with(|s| {
            let s = s.as_ref()?;
            let shown = order.with(|o| match o {
                Some(o) => in_order(pick(s), keep(o)),
                None => pick(s).clone(),
            });
            let was = |label: &str| {
                before.with(|b| {
                    b.as_ref()
                        .and_then(|b| pick(b).iter().find(|p| p.label == label))
                        .map(|p| p.you)
                })
            };
            let miss = pred.group_miss.with(|m| m.and_then(|m| pick_miss(&m)));
            Some(
                shown
                    .iter()
                    .map(|p| PairRow {
                        label: p.label.clone(),
                        you: p.you,
                        crowd: p.crowd,
                        before: was(&p.label).filter(|b| (b - p.you).abs() >= 0.005),
                        range: miss.map(|m| m.range(p.you)),
                    })
                    .collect(),
            )
        })
    };
    let chart = move |pick: Pick, keep: Keep, pick_miss: PickMiss| {
        let width = chart_width();
        let layers = Memo::new(move |_| {
            rows_of(pick, keep, pick_miss).map(|rows| render::paired(&rows, width.get()))
        });
        let markup = Memo::new(move |_| {
            layers.with(|l| l.as_ref().map(|l| l.0.clone()).unwrap_or_default())
        });
        let size = Signal::derive(move || {
            (
                width.get(),
                layers.with(|l| l.as_ref().map_or(60.0, |l| l.1)),
            )
        });
        (markup, size, width)
    };
    let (group_markup, group_size, group_w) = chart(|s| &s.groups, |o| &o.0, |m| m.0);
    let (style_markup, style_size, style_w) = chart(|s| &s.styles, |o| &o.1, |m| m.1);
    let table = Memo::new(move |_| {
        let opt = |x: Option<f64>| x.map_or(String::new(), score);
        let groups = rows_of(|s| &s.groups, |o| &o.0, |m| m.0).unwrap_or_default();
        let styles = rows_of(|s| &s.styles, |o| &o.1, |m| m.1).unwrap_or_default();
        TableData {
            header: [
                "visual group or style",
                "you (predicted)",
                "everyone (observed)",
                "difference",
                "you, likely low",
                "you, likely high",
                "you before your last rating",
            ]
            .map(String::from)
            .to_vec(),
            rows: groups
                .iter()
                .chain(&styles)
                .map(|p| {
                    vec![
                        p.label.clone(),
                        score(p.you),
                        score(p.crowd),
                        signed(p.you - p.crowd),
                        opt(p.range.map(|r| r.0)),
                        opt(p.range.map(|r| r.1)),
                        opt(p.before),
                    ]
                })
                .collect(),
        }
    });
    let image_list = move |pick: fn(&ForYouSummary) -> &Vec<ImagePick>| {
        move || {
            let s = summary.get()?;
            let d = ctx.data.get()?;
            let m = miss.get();
            let was = previous.get();
            Some(
                pick(&s)
                    .iter()
                    .map(|&ImagePick { image: i, you, crowd }| {
                        let prompt = d.ds.images.prompt[i].clone();
                        let you = you as f64;
                        let range = m.map(|m: Miss| {
                            let (lo, hi) = m.range(you);
                            format!(" (likely {}–{})", score(lo), score(hi))
                        });
                        let before = was
                            .as_ref()
                            .and_then(|p| p.scores.get(i).map(|&b| b as f64))
                            .filter(|b| (b - you).abs() >= 0.005)
                            .map(|b| format!(", was {}", score(b)));
                        view! {
                            <li>
                                <span class="prompt">{prompt}</span>
                                <span class="meta" data-testid="fy-score">{format!("you {}{}{} · everyone {} ({})",
                                    score(you), range.unwrap_or_default(), before.unwrap_or_default(), score(crowd), signed(you - crowd))}</span>
                            </li>
                        }
                    })
                    .collect_view(),
            )
        }
    };
    let suggestions = move || {
        let p = pred.prediction.get()?;
        let d = ctx.data.get()?;
        let done: Vec<usize> = ratings.with(|r| r.iter().map(|x| x.0).collect());
        Some(
            p.suggest
                .iter()
                .filter(|i| !done.contains(i) && **i < d.ds.images.len())
                .take(6)
                .map(|&i| {
                    let prompt = d.ds.images.prompt[i].clone();
                    let thumb = crate::components::images::thumb_base(ctx)
                        .map(|b| crate::state::image_url(&b, &d.ds.images.path[i]));
                    let buttons = (1..=5)
                        .map(|v| {
                            let label = format!("Rate {v} of 5");
                            view! {
                                <button type="button" class="rate" aria-label=label
                                    on:click=move |_| rate(i, v as f32)>{v.to_string()}</button>
                            }
                        })
                        .collect_view();
                    view! {
                        <li class="to-rate">
                            {thumb.map(|src| view! {
                                <img class="fy-thumb" src=src alt=prompt.clone() loading="lazy" decoding="async"
                                    fetchpriority="low" width="72" height="72"
                                    on:error=|ev| { if let Some(t) = ev.target() { let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::Element>(t).set_attribute("hidden", ""); } }/>
                            })}
                            <span class="prompt">{prompt}</span>
                            <span class="rate-buttons" role="group" aria-label="Your rating, 1 (poor) to 5 (excellent)">
                                {buttons}
                                <button type="button" class="rate skip" on:click=move |_| rate(i, f32::NAN)>"skip"</button>
                            </span>
                        </li>
                    }
                })
                .collect_view(),
        )
    };
    let rated = move || ratings.with(|r| r.iter().filter(|x| x.1.is_finite()).count());
    let remember = move |_| {
        if let Some(s) = storage() {
            let v = format!(
                "{}\u{1f}{}\u{1f}{}",
                age.get_untracked(),
                gender.get_untracked(),
                nationality.get_untracked()
            );
            if s.set_item(STORE_KEY, &v).is_ok() {
                remembered.set(true);
                ctx.notify(
                    Level::Info,
                    "Your profile is remembered on this device (nowhere else).",
                );
            }
        }
    };
    let forget = move |_| {
        if let Some(s) = storage() {
            let _ = s.remove_item(STORE_KEY);
        }
        remembered.set(false);
        ratings.set(Vec::new());
        previous.set(None);
        order.set(None);
        ctx.notify(
            Level::Info,
            "Forgotten: nothing about you is stored on this device.",
        );
    };
    let status_text = move || match pred.status.get() {
        Status::Idle => {
            "The predictor loads when you ask for a prediction (about 2 MB, once).".to_string()
        }
        Status::Loading => "Loading the predictor…".to_string(),
        Status::Preparing => "Reading the images…".to_string(),
        Status::Ready => match pred.prediction.get() {
            Some(p) if p.ratings_used > 0 => format!(
                "Predicted from your profile and {} of your ratings.",
                rated()
            ),
            Some(_) => "Predicted from your profile.".to_string(),
            None => "Ready.".to_string(),
        },
        Status::Failed(e) => {
            format!("The predictor is unavailable: {e}. The rest of the explorer works as before.")
        }
    };
    let failed = move || matches!(pred.status.get(), Status::Failed(_));
    let start = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        // A new profile: its first prediction sets the order again, with nothing before it.
        previous.set(None);
        order.set(None);
        match pred.status.get_untracked() {
            Status::Ready => ask(),
            Status::Idle | Status::Failed(_) => pred.start(ctx.data.get_untracked()),
            _ => {}
        }
    };
    let card = move || {
        pred.card.get().map(|c: Shared<crate::predictor::Card>| {
            let fmt = |x: Option<f64>| x.map_or("–".to_string(), |v| Fixed(v, 3).to_string());
            // "0.845 [0.830, 0.860]" when the model file carries the interval.
            let with_ci = move |x: Option<f64>, ci: &Option<crate::predictor::CardIntervals>| match ci.as_ref().and_then(|c| c.pairwise) {
                Some([lo, hi]) => format!("{} [{lo_3}, {hi_3}]", fmt(x), lo_3 = Fixed(lo, 3), hi_3 = Fixed(hi, 3)),
                None => fmt(x),
            };
            let people = |ci: &Option<crate::predictor::CardIntervals>| ci.as_ref().map_or("–".to_string(), |c| c.people.to_string());
            let rows = c
                .evaluation
                .iter()
                .map(|r| view! {
                    <tr><th scope="row">{r.predictor.clone()}</th><td>{r.split.trim_start_matches("pamela_").to_string()}</td>
                        <td>{with_ci(r.metrics.pairwise, &r.ci)}</td><td>{fmt(r.metrics.spearman)}</td><td>{fmt(r.metrics.rmse)}</td><td>{people(&r.ci)}</td><td>{thousands(r.metrics.ratings as u64)}</td></tr>
                })
                .collect_view();
            let few = c
                .few_shot
                .iter()
                .map(|f| view! {
                    <tr><th scope="row">{f.label.clone()}</th><td>{f.split.trim_start_matches("pamela_").to_string()}</td>
                        <td>{with_ci(f.metrics.pairwise, &f.ci)}</td><td>{fmt(f.oracle.as_ref().and_then(|o| o.pairwise))}</td><td>{fmt(f.metrics.rmse)}</td></tr>
                })
                .collect_view();
            let notes = c.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view();
            view! {
                <details class="model-card">
                    <summary>"About this predictor"</summary>
                    {c.plain_words().into_iter().map(|w| view! { <p class="plain">{w}</p> }).collect_view()}
                    <details class="model-card-tech">
                    <summary>"Technical details (model card)"</summary>
                    <p>{format!("Trained on {} data ({}), {}; taste rank {}, personal rank {}.", c.data_source, c.data_provenance, c.date, c.rank, c.personal_rank)}</p>
                    <ul>{notes}</ul>
                    <p class="note muted">"Pairwise accuracy: for two images rated by the same person, how often the model orders them as that person did. The oracle is the synthetic generator's noise-free score (the best any model could do). In brackets: a 95% interval from resampling the split's people (with 7 people in test_unseen, wide, and if anything too narrow)."</p>
                    <div class="table-wrap"><table>
                        <thead><tr><th scope="col">"predictor"</th><th scope="col">"split"</th><th scope="col">"pairwise"</th><th scope="col">"Spearman"</th><th scope="col">"RMSE"</th><th scope="col">"people"</th><th scope="col">"ratings"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                    <h4>"Few ratings from a new person (unseen participants)"</h4>
                    <p class="note muted">"k: that many of the person's ratings, at random, fit their personal part; \"k chosen\": the k of their rated images that this page would have suggested first. The rest of their ratings evaluate."</p>
                    <div class="table-wrap"><table>
                        <thead><tr><th scope="col">"ratings used"</th><th scope="col">"split"</th><th scope="col">"pairwise"</th><th scope="col">"oracle"</th><th scope="col">"RMSE"</th></tr></thead>
                        <tbody>{few}</tbody>
                    </table></div>
                    </details>
                </details>
            }
        })
    };
    view! {
        <Card id="for-you" title="For you: what the data predicts you would like" table=table detail=detail>
            <form class="profile" on:submit=start aria-describedby="for-you-privacy">
                <label>"Age " <input type="number" min="1" max="120" class="narrow" id="fy-age" prop:value=move || age.get()
                    on:input=move |ev| age.set(event_target_value(&ev))/></label>
                <label>"Gender "
                    <select id="fy-gender" prop:value=move || gender.get() on:change=move |ev| gender.set(event_target_value(&ev))>
                        {move || options.get().map(|(g, _)| g.into_iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <label>"Nationality "
                    <select id="fy-nationality" prop:value=move || nationality.get() on:change=move |ev| nationality.set(event_target_value(&ev))>
                        {move || options.get().map(|(_, n)| n.into_iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <button type="submit" id="fy-predict">"Predict for me"</button>
            </form>
            <p class="note muted">"Why a personal predictor: the crowd's mean predicts one person only in part. "
                <a href="#taste">"How personal is taste?"</a>" shows by how much, for the current selection."</p>
            <p id="for-you-privacy" class="note muted">"Your profile and ratings stay in this page: nothing is sent anywhere. "
                {move || if remembered.get() { "It is remembered on this device." } else { "Nothing is stored unless you ask." }}
                " "
                <button type="button" class="link" on:click=remember>"Remember on this device"</button>" · "
                <button type="button" class="link" on:click=forget>"Forget me"</button>
            </p>
            <p class="status" role="status" class:error=failed data-status=move || format!("{:?}", pred.status.get())>{status_text}</p>
            {move || (pred.status.get() == Status::Ready && pred.prediction.with(|p| p.is_some())).then(|| {
                let t = pred.timings.get();
                let n = ctx.data.with(|d| d.as_ref().map_or(0, |d| d.ds.images.len()));
                view! {
                    <p class="note muted timings" data-load=Fixed(t.load_ms, 1).to_string() data-items=Fixed(t.items_ms, 1).to_string() data-base=Fixed(t.base_ms, 2).to_string()
                        data-fit=Fixed(t.fit_ms, 2).to_string() data-suggest=Fixed(t.suggest_ms, 2).to_string() data-predict=Fixed(t.predict_ms, 2).to_string()>
                        {format!("In this browser: the model loaded and was optimized in {} ms; all {} images were scored in {} ms; your ratings were fitted in {} ms.",Fixed(t.load_ms, 0), thousands(n as u64),Fixed(t.predict_ms, 1),Fixed(t.fit_ms, 1))}
                    </p>
                }
            })}
            <Show when=move || summary.with(|s| s.is_some())>
                <p class="note muted" data-testid="fy-how-to-read">{move || {
                    let m = miss.get();
                    let ranges = m.map(|m| format!(
                        " Beside each image: your predicted score and a likely range, give or take {}: how far the model typically misses one rating by someone it never saw{}.",Fixed(m.rmse, 2),
                        if m.k > 0 { format!(" who had rated {} images", m.k) } else { String::new() }
                    )).unwrap_or_default();
                    let groups = match pred.group_miss.get() {
                        Some((Some(g), _)) => format!(
                            " The line above each dot: a likely range for your mean, give or take {}: how far the model's predicted mean for a group missed the own mean of {} people it never saw (test_unseen), from their profiles alone. With so few people it is a rough figure, and once you have rated images it is likely too wide.",Fixed(g.rmse, 2), g.people
                        ),
                        Some((None, _)) => " No range is drawn for the means: these data have no test_unseen people to measure it on.".to_string(),
                        None => " Measuring the ranges of the means…".to_string(),
                    };
                    format!("The rows keep their order and the axis its 1-to-5 scale while you rate; a ring marks where a prediction was before your last rating.{groups}{ranges}")
                }}</p>
                <p class="legend">"Dot: you (predicted); line above it: your likely range; dashed ring: before your last rating; diamond: everyone (observed); right: you − everyone."</p>
                <h3 class="sub">"Per visual group: you (dot) and everyone (diamond)"</h3>
                <ChartSvg size=group_size measure=group_w markup=group_markup detail=detail
                    activate=Callback::new(|_| ()) label="Your predicted mean and everyone's mean per visual group"/>
                <h3 class="sub">"Per style"</h3>
                <ChartSvg size=style_size measure=style_w markup=style_markup detail=detail
                    activate=Callback::new(|_| ()) label="Your predicted mean and everyone's mean per style"/>
                <div class="fy-lists">
                    <div><h3 class="sub">"Your top images"</h3><ol class="fy-list" id="fy-top">{image_list(|s| &s.top)}</ol></div>
                    <div><h3 class="sub">"Where you would differ most from the crowd"</h3><ol class="fy-list" id="fy-differ">{image_list(|s| &s.differ)}</ol></div>
                </div>
                <h3 class="sub">"Rate a few images to sharpen this"</h3>
                <p class="note muted">{move || format!("Chosen to tell the most about your taste. Rated so far: {}.", rated())}</p>
                <ul class="fy-rate">{suggestions}</ul>
            </Show>
            {card}
            <Show when=move || pred.card.with(|c| c.is_some())>
                <crate::components::train::TrainSection/>
            </Show>
        </Card>
    }
}
