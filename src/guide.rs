//! Teaching: guided questions, questions written into a link, and the cards a presenter steps
//! through.
//!
//! A guided question is a link: view parameters (what the question needs on screen), the card
//! it lands on, and a few sentences about what to look at. The sentences are about method
//! (counting people, adjusting for images, shared against personal taste, how sure a prediction
//! is), never about a figure, so they hold on any data the page shows. A teacher can also put a
//! question of their own in a link (`ask=`): it is plain text, kept in the URL, cleaned here
//! ([`clean_ask`]) and shown by the page as a text node, never as markup.
//!
//! Pure code: tested natively.

use crate::state::UiState;

/// The cards in the order the page shows them: what presenter mode steps through and what a
/// link's fragment may name.
pub const CARDS: [(&str, &str); 10] = [
    ("distribution", "Score distribution"),
    ("ages", "Ages"),
    ("means-group", "Means by visual group"),
    ("means-style", "Means by style"),
    ("heatmap", "Who likes what"),
    ("cohorts", "Cohort A vs B"),
    ("images", "Images"),
    ("participants", "Participants"),
    ("taste", "How personal is taste?"),
    ("for-you", "For you"),
];

/// The card `id` names, or the first card.
pub fn card_or_first(id: Option<&str>) -> &'static str {
    let id = id.unwrap_or("");
    CARDS.iter().find(|c| c.0 == id).map_or(CARDS[0].0, |c| c.0)
}

/// The card `delta` steps from `id` (the first when `id` is none), stopping at the ends.
pub fn step(id: Option<&str>, delta: i32) -> &'static str {
    let at = CARDS.iter().position(|c| Some(c.0) == id).unwrap_or(0) as i32;
    CARDS[(at + delta).clamp(0, CARDS.len() as i32 - 1) as usize].0
}

/// Where `id` is among the cards (1-based) and its title.
pub fn place(id: &str) -> Option<(usize, &'static str)> {
    CARDS
        .iter()
        .position(|c| c.0 == id)
        .map(|k| (k + 1, CARDS[k].1))
}

/// One guided question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Its name in a link (`guide=people`).
    pub id: &'static str,
    pub title: &'static str,
    /// The view it needs, as link parameters (without `guide=`); everything else at default.
    pub query: &'static str,
    /// The card it lands on.
    pub card: &'static str,
    /// What to look at and how to read it.
    pub text: &'static [&'static str],
}

impl Question {
    /// The whole view state of the question's link.
    pub fn state(&self) -> UiState {
        let (mut s, _) = UiState::from_query(self.query);
        s.guide = Some(self.id.to_string());
        s
    }

    /// The question's state, keeping from `now` what says where the data comes from and how
    /// the page is shown (presenter mode), so following a question never drops loaded data.
    pub fn state_from(&self, now: &UiState) -> UiState {
        self.state_keeping(&Kept::of(now))
    }

    /// The question's state with `kept` put back.
    pub fn state_keeping(&self, kept: &Kept) -> UiState {
        let mut s = self.state();
        s.data = kept.data.clone();
        s.hub = kept.hub.clone();
        s.image_base = kept.image_base.clone();
        s.thumbs = kept.thumbs;
        s.present = kept.present;
        s
    }

    /// The link's query (without `?`) and fragment (with `#`).
    pub fn link(&self) -> (String, String) {
        (self.state().to_query(), format!("#{}", self.card))
    }

    /// The link as followed from a view that has `kept`: it keeps the data and presenter mode,
    /// so opening it in a new tab shows the same.
    pub fn link_keeping(&self, kept: &Kept) -> (String, String) {
        (
            self.state_keeping(kept).to_query(),
            format!("#{}", self.card),
        )
    }
}

/// What following a question keeps of the view it leaves: where the data comes from and how
/// the page is shown. The page derives it from the view once (a memo), so a filter change does
/// not rewrite every question's link: only a change of these does.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub data: Option<pamela_core::hub::HubRef>,
    pub hub: String,
    pub image_base: String,
    pub thumbs: Option<bool>,
    pub present: bool,
}

impl Kept {
    pub fn of(now: &UiState) -> Kept {
        Kept {
            data: now.data.clone(),
            hub: now.hub.clone(),
            image_base: now.image_base.clone(),
            thumbs: now.thumbs,
            present: now.present,
        }
    }
}

pub const QUESTIONS: [Question; 6] = [
    Question {
        id: "people",
        title: "How many people does a difference rest on?",
        query: "",
        card: "cohorts",
        text: &[
            "This view puts cohort A against cohort B, row by row, and says beside each row how \
             many ratings and how many people it rests on.",
            "Every interval here counts people: someone who gave 350 ratings is one piece of \
             evidence about their cohort, not 350. Tick \u{201c}Treat ratings as independent\u{201d} \
             above the views and watch the intervals shrink and more rows get marked: that is \
             what counting every rating as a new person's does.",
            "Look at how many rows are marked with each choice, and at the number of people \
             behind the rows that change.",
        ],
    },
    Question {
        id: "images",
        title: "Is it taste, or which images they saw?",
        query: "diff=images",
        card: "cohorts",
        text: &[
            "Two cohorts rarely rate the same images. If one happened to see more well-liked \
             images, its mean is higher without any difference in taste.",
            "This view compares A and B on the images both rated. Set \u{201c}Difference\u{201d} \
             back to \u{201c}of all their ratings\u{201d} and see which rows move: a row that \
             changes a lot was mostly about which images each cohort saw. The view also says how \
             many shared images each comparison rests on.",
        ],
    },
    Question {
        id: "rows",
        title: "Who likes what, beyond what everyone likes?",
        query: "",
        card: "heatmap",
        text: &[
            "Each cell compares one group of people with everyone who rated the same images: an \
             orange cell means this group likes these images more than others do, not that the \
             images are good.",
            "Set \u{201c}Cells\u{201d} to \u{201c}against the row's mean\u{201d} to see the \
             difference: the same columns light up in every row, because that view mostly shows \
             what everyone likes.",
            "Hatched cells rest on too few ratings or people to be read. Outlined cells are the \
             ones that still differ after correcting for how many cells were tested.",
        ],
    },
    Question {
        id: "generous",
        title: "A generous rater, or a different taste?",
        query: "",
        card: "participants",
        text: &[
            "Some people use the top of the scale and others the bottom. That is how they use \
             the scale, not what they like: a generous rater who likes the same images as \
             everyone else puts them in the same order.",
            "Each dot here is one person: how far their ratings sit above or below everyone \
             else's on the same images (their offset). Click one to see that person's ratings \
             in every view, and compare their favourite groups with the crowd's.",
        ],
    },
    Question {
        id: "personal",
        title: "How much of taste is shared, and how much is personal?",
        query: "",
        card: "taste",
        text: &[
            "The scores are split into what belongs to the image (everyone likes it), to the \
             person (how they use the scale), and to this person with this image (their own \
             taste), plus noise.",
            "The share that belongs to the image says how much people agree. The reliability \
             line says how many raters an image needs before its mean can be trusted. Filter to \
             one kind of image and see whether people agree more or less on it.",
        ],
    },
    Question {
        id: "predictor",
        title: "How sure is the predictor about you?",
        query: "",
        card: "for-you",
        text: &[
            "The predictor guesses your score for every image from your age, gender and \
             nationality, and then from any images you rate.",
            "Each predicted score comes with a range: how far the model typically misses for \
             people it has never seen. Rate a few images and watch the rings that mark the \
             previous prediction: how far do the predictions move, and does the range narrow?",
        ],
    },
];

/// The guided question named `id`.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.id == id)
}

/// The longest question a link may carry, in characters.
pub const ASK_MAX: usize = 400;

/// A link's own question as the page shows it: control characters become spaces, runs of
/// white space one space, and text past [`ASK_MAX`] characters is cut (the flag says so).
pub fn clean_ask(raw: &str) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    let mut cut = false;
    for word in raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
    {
        let extra = word.chars().count() + usize::from(!out.is_empty());
        if count + extra > ASK_MAX {
            cut = true;
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        count += extra;
    }
    (out, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guided_question_is_a_clean_link_to_a_card() {
        for q in &QUESTIONS {
            let (_, notices) = UiState::from_query(q.query);
            assert!(notices.is_empty(), "{}: {notices:?}", q.id);
            assert!(place(q.card).is_some(), "{} lands on a card", q.id);
            let (query, hash) = q.link();
            assert!(query.contains(&format!("guide={}", q.id)), "{query}");
            assert_eq!(hash, format!("#{}", q.card));
            let (back, notices) = UiState::from_query(&query);
            assert!(notices.is_empty(), "{notices:?}");
            assert_eq!(back, q.state(), "the link restores the question's view");
            assert!(!q.text.is_empty() && q.text.iter().all(|t| t.len() > 40));
        }
        let ids: std::collections::HashSet<&str> = QUESTIONS.iter().map(|q| q.id).collect();
        assert_eq!(ids.len(), QUESTIONS.len(), "names are unique");
        assert_eq!(question("images").unwrap().state().same_images, true);
        assert!(question("nope").is_none());
    }

    #[test]
    fn following_a_question_keeps_the_data_and_presenter_mode() {
        let (now, _) = UiState::from_query(
            "gender=female&present=1&data=hf&hub=http%3A%2F%2F127.0.0.1%3A9000&thumbs=1",
        );
        let s = question("rows").unwrap().state_from(&now);
        assert!(s.filter.is_empty(), "the question's own view: no filter");
        assert_eq!(s.guide.as_deref(), Some("rows"));
        assert!(s.present);
        assert_eq!(
            (&s.data, &s.hub, s.thumbs),
            (&now.data, &now.hub, now.thumbs)
        );
        let (query, hash) = question("rows").unwrap().link_keeping(&Kept::of(&now));
        assert!(
            query.contains("present=1") && query.contains("data=hf"),
            "{query}"
        );
        assert_eq!(hash, "#heatmap");
    }

    #[test]
    fn presenter_steps_through_the_cards_and_stops_at_the_ends() {
        assert_eq!(step(None, 1), "ages");
        assert_eq!(step(Some("distribution"), -1), "distribution");
        assert_eq!(step(Some("taste"), 1), "for-you");
        assert_eq!(step(Some("for-you"), 1), "for-you");
        assert_eq!(step(Some("nope"), 1), "ages");
        assert_eq!(card_or_first(Some("cohorts")), "cohorts");
        assert_eq!(card_or_first(Some("about")), "distribution");
        assert_eq!(place("heatmap"), Some((5, "Who likes what")));
    }

    #[test]
    fn a_written_question_is_plain_short_text() {
        assert_eq!(
            clean_ask("  Why do\tthe\nrows differ?\u{0}  "),
            ("Why do the rows differ?".to_string(), false)
        );
        // Markup stays text: nothing is removed or interpreted here, the page shows it as text.
        assert_eq!(
            clean_ask("<script>alert(1)</script>").0,
            "<script>alert(1)</script>"
        );
        let long = "word ".repeat(200);
        let (s, cut) = clean_ask(&long);
        assert!(cut && s.chars().count() <= ASK_MAX && s.ends_with("word"));
        assert_eq!(clean_ask(""), (String::new(), false));
    }
}
