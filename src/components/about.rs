//! What the data is, what the numbers assume, and how to load the real files.

use crate::app::use_ctx;
use leptos::prelude::*;

#[component]
pub fn About() -> impl IntoView {
    let ctx = use_ctx();
    let provenance = move || {
        ctx.data.with(|d| {
            d.as_ref()
                .map(|d| format!("{} ({})", d.badge(), d.ds.source.provenance))
                .unwrap_or_default()
        })
    };
    let synthetic = move || {
        ctx.data
            .with(|d| d.as_ref().is_none_or(|d| d.is_synthetic()))
    };
    let origin = move || {
        ctx.data
            .with(|d| d.as_ref().map(|d| d.origin.clone()).unwrap_or_default())
    };
    view! {
        <section id="about" class="about" aria-labelledby="about-title">
            <h2 id="about-title">"About"</h2>
            <h3 id="about-data">"The data shown"</h3>
            <p>
                "PAMELA (arXiv 2604.07427; dataset bethgelab/PAMELA, CC-BY-4.0) holds 69,904 aesthetic ratings \
                 (1 to 5) of 5,077 AI-generated images by 199 people. "
                {move || if synthetic() {
                    view! { "Unless you load the real files, this page shows a "<strong>"synthetic sample"</strong>" generated to the dataset card's exact counts by a \
                     documented model: its patterns are invented and say nothing about real people." }.into_any()
                } else {
                    view! { "This page shows "<strong>"PAMELA ratings"</strong>", loaded from "{origin}"." }.into_any()
                }}
            </p>
            <p class="muted">"Source: " {provenance}</p>
            <h3>"Loading the real files"</h3>
            <ol>
                <li>"Press “Load data”, then “Load the real PAMELA from Hugging Face”: the split files are \
                     downloaded from the Hub into this page and read here, and a copy is kept in this browser."</li>
                <li>"Or download the annotation files of bethgelab/PAMELA from Hugging Face: pamela_train, \
                     pamela_val_seen, pamela_val_unseen, pamela_test_seen, pamela_test_unseen (.json or .jsonl)."</li>
                <li>"Press “Load data” above and choose or drop them (all five, or some), or give their URL. \
                     They are read in your browser; nothing is uploaded anywhere."</li>
                <li>"Or convert them once with the command-line tool: "
                    <code>"pamela ingest FOLDER --out pamela.pamb"</code>" and load the bundle."</li>
            </ol>
            <h3>"Reading the numbers"</h3>
            <ul>
                <li>"Intervals are 95% and count people, not ratings: each person gave about 350 ratings, and \
                     ratings by one person are alike, so 70,000 ratings carry far less evidence than 70,000 people \
                     would. Technically: the mean's variance is estimated with people as clusters (cluster-robust, \
                     with the CR2 small-sample correction) and Student's t with one fewer degrees of freedom than \
                     there are people; with fewer than 5 people no interval is drawn. In simulations with known \
                     person and image effects these intervals held their 95% (see the README); intervals that treat \
                     ratings as independent, which the switch above the views shows for comparison, are several \
                     times too narrow."</li>
                <li>"Two cohorts rated different images. Beside the raw difference of their means, the \
                     comparison offers the difference on the images both rated, which is free of which images each \
                     saw; the heatmap sets each cell against everyone who rated the same images (its default, since its \
                     rows are groups of people: a cell then shows how the row differs, not what everyone likes). Where a \
                     view marks many rows or cells as differences, the marks use Holm's correction for the number \
                     tested."</li>
                <li>"“How personal is taste?” splits the variance of the scores into images, people and the rest \
                     (Henderson's method III), with intervals from a jackknife over people and over images."</li>
                <li>"The 199 participants (23 nationalities) do not represent the world: averages here are not \
                     universal judgments of beauty."</li>
                <li>"Narrow subgroups can be tiny. Every number comes with its count; heatmap cells under the \
                     minimum count of ratings or of people (5 by default) are marked and never highlighted."</li>
            </ul>
            <h3>"Teaching with it"</h3>
            <ul>
                <li>"“Questions” in the header lists guided questions: each sets the view it needs and says what \
                     to look at, and each is a link to share. A question of your own goes into a link too, shown \
                     to whoever opens it as plain text."</li>
                <li>"“Presenter mode” (or a link with present=1) shows one card at a time in large type, with the \
                     filters in one line; Page Down and Page Up (what presentation remotes send) or the arrow keys \
                     step through the cards, and the link keeps the card shown."</li>
                <li>"A link can land on a card: add its name after # (for instance #cohorts); “Copy link” keeps it."</li>
            </ul>
            <crate::components::load_panel::DataNotes/>
        </section>
    }
}
