//! # pamela-synth
//!
//! The synthetic default dataset: generated to the PAMELA card's exact counts, from a seed.
//!
//! The real ratings cannot be shipped with the app (and cannot be downloaded on our build
//! machines), so the explorer's default data is this sample. It is labelled synthetic wherever
//! it is shown. It reproduces every count the card publishes and is made by an explicit
//! generative model, so that it is worth exploring (cohort differences exist and can be found)
//! and worth predicting (prompts carry signal, people differ in learnable ways).
//!
//! # Why a crate of its own
//!
//! The browser never generates data: the app loads the sample as the committed bundle
//! `www/data/pamela-synthetic.pamb` and only decodes it. Inside `pamela-core` the generator
//! (a thousand lines, its word lists and its tables) would be compiled into the wasm of the app
//! and of both workers on every build, only for the linker to drop it. As its own crate it is
//! compiled only by what makes data: the command line (`pamela synth`, the benchmark, the oracle of `pamela eval`),
//! the tests (the card's counts, the committed bundle byte for byte, the loader and bundle
//! tests of `pamela-core`, the model's tests) and the model's tuning example.
//!
//! It builds the store through `pamela-core`'s public API only: [`Dataset::new`], the
//! dictionary [`Interner`] the loader uses (so a generated store has the same dictionaries and
//! canonical order as the same ratings loaded from files) and the seeded [`Rng`], which stays
//! in `pamela-core` because the model's training and evaluation draw from it too. Reading a
//! folder of generated files (the [`SYNTHETIC_MANIFEST`] beside the split files) is the
//! loader's job and stays there as well; this crate only writes them ([`split_file`],
//! [`manifest`]).
//!
//! [`SYNTHETIC_MANIFEST`]: pamela_core::loader::SYNTHETIC_MANIFEST
//!
//! # Counts (all exact)
//! 69,904 ratings in the five published splits (50,222 / 6,551 / 926 / 9,735 / 2,470); 199
//! participants (189 seen, 3 in `val_unseen`, 7 in `test_unseen`, never in train); 5,077 images,
//! each rated by 13 to 15 people; 26,237 ratings of Art and 43,667 of Photorealism images;
//! 40,525 ratings by men, 29,086 by women, 293 by one participant who preferred not to say;
//! 23 nationalities; ages 19 to 60 with the decade `age_binned`; 21 visual groups (19 names,
//! landscape and portrait under both types); 26 WikiArt styles on Art images only. Images of the
//! `_seen` validation and test splits are never rated in train; unseen participants rate images
//! of the training pool.
//!
//! # Generative model
//! Each image has features: its visual group, its style (Art), a subject, and prompt attributes
//! (lighting, viewpoint, palette, mood, and sometimes a texture). The prompt is composed from
//! them, so the text carries the signal. With `x` the image's feature indicator vector:
//!
//! ```text
//! quality(i)  = sum_f beta_f x_if + e_i                         e_i ~ N(0, residual_sd)
//! taste(p)_f  = age_z(p) * A_f + gender(p) * G_f / 2 + R_{region(p), f} + C_{country(p), f}
//!               + (U z_p)_f                 z_p: random direction, norm ~ sqrt(2)
//! true(p, i)  = clamp(base + bias_p + scale_p * (quality(i) + taste(p) . x_i), 1, 5)
//! score(p, i) = round3(clamp(true(p, i) + N(0, noise_sd), 1, 5))
//! label       = nearest integer of the score (1 poor ... 5 excellent)
//! ```
//!
//! `age_z` is (age - 35) / 12; `gender` is +1 for women, -1 for men and 0 otherwise; `bias_p`
//! mixes an individual part with small age and region parts; `scale_p` is log-normal. A, G, R, C
//! and U are drawn from the seed, with a few hand-set directions on A (older raters favour
//! landscapes, flower painting and impressionist styles; younger ones neon light, cinematic and
//! pop art) so that the demographic views show something a teacher can point at. The individual
//! part `U z_p` is low-rank (2) on purpose: a predictor can learn it from a participant's ratings
//! and fit it from a few.
//!
//! The ground truth ([`GroundTruth`]): every rating's noise-free score and all latent parameters,
//! for the predictor's evaluation (the oracle baseline).
//!
//! # Two generators ([`Generator`], `pamela synth --generator NAME`)
//! `default` is the model above: the app's data, and the structure the predictor was designed
//! around, so the predictor's figures on it flatter it. `twisted` keeps everything above the
//! "Generative model" heading (people, images, prompts, who rates what: every count of the
//! card, the same layout for a seed) and replaces the way scores arise with a deliberately
//! different taste structure: non-linear age effects, per-person use of the scale (offset,
//! stretch, and for a third of people only part of the 1-5 range, through a logistic link),
//! sparse strong personal likes of a few groups or styles, an image quality only partly visible
//! in metadata (feature-pair interactions and a hidden per-image part) and heavy-tailed noise
//! with lapses. Its design, and why each part, is in the [`twisted`](crate::TwistedTruth)
//! module's documentation (`src/twisted.rs`). Model changes are evaluated on both; the ground
//! truth of either gives the oracle (`pamela eval` regenerates it from the provenance line,
//! which names the generator, its version and the seed: [`from_provenance`]).

use pamela_core::dataset::{
    Dataset, Dicts, Images, Interner, Participants, Ratings, Source, SourceKind,
};
use pamela_core::rng::{apportion, Rng};
use pamela_core::schema::{decade_name, score_to_milli, Label, Split};
use serde::{Deserialize, Serialize};

mod twisted;
pub use twisted::{age_basis, TwistedPerson, TwistedTruth, TWISTED_VERSION};

/// Bump when the (default) generator's output changes for a given seed.
pub const GENERATOR_VERSION: u32 = 1;
pub const DEFAULT_SEED: u64 = 42;

/// The synthetic generators: same layout and counts, different taste structures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Generator {
    /// The app's default data: linear age, low-rank personal latent, affine scale, Gaussian
    /// noise (the structure the predictor shares).
    Default,
    /// A deliberately different taste structure (see the `twisted` section of the crate docs).
    Twisted,
}

impl Generator {
    pub const ALL: [Generator; 2] = [Generator::Default, Generator::Twisted];

    pub fn name(self) -> &'static str {
        match self {
            Generator::Default => "default",
            Generator::Twisted => "twisted",
        }
    }

    pub fn from_name(name: &str) -> Option<Generator> {
        Generator::ALL.into_iter().find(|g| g.name() == name)
    }

    pub fn version(self) -> u32 {
        match self {
            Generator::Default => GENERATOR_VERSION,
            Generator::Twisted => TWISTED_VERSION,
        }
    }
}

fn default_generator_name() -> String {
    Generator::Default.name().to_string()
}

/// The provenance line of generated data. The default generator's line is unchanged since
/// there was one generator (the committed bundle holds it).
pub fn provenance(generator: Generator, seed: u64) -> String {
    match generator {
        Generator::Default => {
            format!("pamela synth --seed {seed} (generator v{GENERATOR_VERSION}); not real ratings")
        }
        g => format!(
            "pamela synth --generator {} --seed {seed} (generator {} v{}); not real ratings",
            g.name(),
            g.name(),
            g.version()
        ),
    }
}

/// Which generator and seed made data with this provenance line, if this version of the crate
/// can regenerate it exactly (same generator version); `None` otherwise.
pub fn from_provenance(provenance: &str) -> Option<(Generator, u64)> {
    let seed = provenance
        .split("--seed ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|s| s.parse::<u64>().ok())?;
    Generator::ALL
        .into_iter()
        .find(|&g| {
            let tag = match g {
                Generator::Default => format!("(generator v{})", g.version()),
                _ => format!("(generator {} v{})", g.name(), g.version()),
            };
            provenance.contains(&tag)
        })
        .map(|g| (g, seed))
}

/// The card's published counts.
pub mod card {
    pub const RATINGS: u64 = 69_904;
    pub const IMAGES: usize = 5_077;
    pub const PARTICIPANTS: usize = 199;
    /// (split file stem, ratings)
    pub const SPLITS: [(&str, u64); 5] = [
        ("pamela_train", 50_222),
        ("pamela_val_seen", 6_551),
        ("pamela_val_unseen", 926),
        ("pamela_test_seen", 9_735),
        ("pamela_test_unseen", 2_470),
    ];
    pub const ART_RATINGS: u64 = 26_237;
    pub const PHOTO_RATINGS: u64 = 43_667;
    pub const MALE_RATINGS: u64 = 40_525;
    pub const FEMALE_RATINGS: u64 = 29_086;
    pub const UNDISCLOSED_RATINGS: u64 = 293;
    pub const NATIONALITIES: usize = 23;
    pub const AGE_MIN: u8 = 19;
    pub const AGE_MAX: u8 = 60;
    pub const GROUPS: usize = 21;
    pub const GROUP_NAMES: usize = 19;
    pub const STYLES: usize = 26;
    pub const MIN_RATERS: u64 = 13;
    pub const MAX_RATERS: u64 = 15;
}

/// Tunable magnitudes of the generative model (standard deviations unless said otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub base: f64,
    pub quality_sd: f64,
    pub residual_sd: f64,
    pub age_sd: f64,
    pub gender_sd: f64,
    pub region_sd: f64,
    pub country_sd: f64,
    pub individual_sd: f64,
    pub bias_sd: f64,
    pub scale_log_sd: f64,
    pub noise_sd: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            base: 3.0,
            quality_sd: 0.28,
            residual_sd: 0.06,
            age_sd: 0.08,
            gender_sd: 0.12,
            region_sd: 0.09,
            country_sd: 0.02,
            individual_sd: 0.06,
            bias_sd: 0.32,
            scale_log_sd: 0.15,
            noise_sd: 0.38,
        }
    }
}

const ART_GROUPS: [(&str, f64); 5] = [
    ("abstract", 1.0),
    ("flower painting", 0.8),
    ("landscape", 1.5),
    ("portrait", 1.5),
    ("still life", 0.8),
];

const PHOTO_GROUPS: [(&str, f64); 16] = [
    ("animal", 1.2),
    ("architecture", 1.0),
    ("automotive", 0.8),
    ("cinematic", 1.0),
    ("cityscape", 1.0),
    ("fashion", 0.9),
    ("food", 1.0),
    ("landscape", 1.4),
    ("lifestyle", 0.9),
    ("portrait", 1.4),
    ("product", 0.8),
    ("scene", 0.9),
    ("special", 0.6),
    ("sports", 0.8),
    ("street", 0.9),
    ("travel", 1.0),
];

/// The generator's own choice of 26 WikiArt style identifiers (the card does not list them).
const STYLES: [&str; 26] = [
    "Abstract_Expressionism",
    "Analytical_Cubism",
    "Art_Nouveau_Modern",
    "Baroque",
    "Color_Field_Painting",
    "Contemporary_Realism",
    "Cubism",
    "Early_Renaissance",
    "Expressionism",
    "Fauvism",
    "High_Renaissance",
    "Impressionism",
    "Mannerism_Late_Renaissance",
    "Minimalism",
    "Naive_Art_Primitivism",
    "New_Realism",
    "Northern_Renaissance",
    "Pointillism",
    "Pop_Art",
    "Post_Impressionism",
    "Realism",
    "Rococo",
    "Romanticism",
    "Symbolism",
    "Synthetic_Cubism",
    "Ukiyo_e",
];

fn subjects(group: &str) -> &'static [&'static str] {
    match group {
        "abstract" => &[
            "interlocking geometric shapes",
            "a swirl of colour fields",
            "fractured planes of light",
            "a rhythm of lines and circles",
            "floating translucent forms",
            "a grid dissolving into noise",
            "layered torn-paper textures",
            "concentric ripples",
        ],
        "flower painting" => &[
            "a vase of peonies",
            "wild poppies in a field",
            "a bouquet of tulips",
            "sunflowers on a table",
            "cherry blossoms on a branch",
            "irises by a pond",
            "a wreath of roses",
            "lilies in a glass jar",
        ],
        "landscape" => &[
            "a grand palace",
            "a mountain valley",
            "a river bend at dusk",
            "rolling hills with a lone tree",
            "a misty forest",
            "a coastal cliff",
            "a snowy village",
            "a desert canyon",
            "a lake with reflections",
            "a wheat field",
        ],
        "portrait" => &[
            "an elderly fisherman",
            "a young woman with a red scarf",
            "a child holding a kite",
            "a musician with a violin",
            "a dancer at rest",
            "a scholar by candlelight",
            "a farmer in a straw hat",
            "twin sisters",
        ],
        "still life" => &[
            "apples and a pewter jug",
            "books and a skull",
            "a loaf of bread and cheese",
            "lemons on a linen cloth",
            "seashells and a pocket watch",
            "a teapot and cups",
            "grapes and a wine glass",
        ],
        "animal" => &[
            "a red fox in snow",
            "a heron in shallow water",
            "a sleeping tabby cat",
            "an elephant herd",
            "a hummingbird at a flower",
            "a golden retriever on a beach",
            "a tiger in tall grass",
            "a pair of owls",
        ],
        "architecture" => &[
            "a brutalist concrete tower",
            "a gothic cathedral facade",
            "a glass pavilion",
            "a spiral staircase",
            "a row of colourful townhouses",
            "an old stone bridge",
            "a minimalist museum interior",
        ],
        "automotive" => &[
            "a vintage convertible",
            "a rally car kicking up dust",
            "an electric hypercar",
            "a classic motorcycle",
            "a rusted pickup truck",
            "a racing car in the pit lane",
        ],
        "cinematic" => &[
            "a detective in a rain-soaked alley",
            "a spaceship landing at night",
            "a lone rider on a ridge",
            "a couple on a train platform",
            "a chase across rooftops",
            "a lighthouse keeper in a storm",
        ],
        "cityscape" => &[
            "a skyline at twilight",
            "a busy intersection",
            "a harbour city",
            "rooftops after rain",
            "a city seen from a bridge",
            "an old town square",
        ],
        "fashion" => &[
            "a model in a tailored coat",
            "streetwear on a runway",
            "an evening gown",
            "a knitted sweater ensemble",
            "a leather jacket look",
            "a summer linen outfit",
        ],
        "food" => &[
            "a bowl of ramen",
            "a stack of pancakes",
            "a rustic pizza",
            "a platter of sushi",
            "a chocolate cake",
            "a fresh garden salad",
            "tacos on a wooden board",
        ],
        "lifestyle" => &[
            "friends at a picnic",
            "a morning coffee ritual",
            "a home office by a window",
            "a family cooking together",
            "a yoga session on a terrace",
            "reading in a hammock",
        ],
        "product" => &[
            "a wristwatch on marble",
            "wireless headphones",
            "a perfume bottle",
            "a ceramic mug",
            "a pair of sneakers",
            "a smartphone on a desk",
        ],
        "scene" => &[
            "a crowded market",
            "a quiet library",
            "a rainy bus stop",
            "a campfire gathering",
            "a fairground at night",
            "a laundromat at midnight",
        ],
        "special" => &[
            "a double exposure of a face and a forest",
            "a miniature tilt-shift town",
            "a long-exposure light trail",
            "an infrared landscape",
            "a levitating figure",
            "a mirror-world reflection",
        ],
        "sports" => &[
            "a sprinter leaving the blocks",
            "a surfer inside a wave",
            "a basketball dunk",
            "a climber on a rock face",
            "a cyclist on a mountain pass",
            "a tennis serve",
        ],
        "street" => &[
            "a street musician",
            "a cyclist passing graffiti",
            "a vendor at a corner stall",
            "commuters in the rain",
            "children playing in a fountain",
            "a shadowy alleyway",
        ],
        _ => &[
            "a temple at sunrise",
            "a backpacker at a viewpoint",
            "a gondola on a canal",
            "a train crossing a viaduct",
            "a spice market",
            "hot-air balloons over a valley",
        ],
    }
}

/// Prompt attributes: (kind, values, probability that a prompt mentions this kind).
const ATTRIBUTES: [(&str, &[&str], f64); 5] = [
    (
        "lighting",
        &[
            "soft morning light",
            "golden hour light",
            "harsh midday sun",
            "moody low-key lighting",
            "neon glow",
            "overcast diffuse light",
            "candlelight",
            "dramatic backlight",
        ],
        1.0,
    ),
    (
        "view",
        &[
            "wide-angle view",
            "close-up",
            "aerial view",
            "low-angle shot",
            "eye-level view",
            "macro detail",
            "symmetrical composition",
            "off-center composition",
        ],
        1.0,
    ),
    (
        "palette",
        &[
            "muted greens and greys",
            "vivid saturated colours",
            "pastel tones",
            "monochrome",
            "warm earth tones",
            "cool blues",
            "high-contrast black and white",
            "orange and teal",
        ],
        1.0,
    ),
    (
        "mood",
        &[
            "serene",
            "melancholic",
            "joyful",
            "mysterious",
            "energetic",
            "nostalgic",
            "tense",
            "whimsical",
        ],
        1.0,
    ),
    (
        "texture",
        &[
            "intricate detail",
            "minimalist",
            "grainy film texture",
            "painterly brushstrokes",
            "sharp focus",
            "dreamy soft focus",
        ],
        0.7,
    ),
];

/// Hand-set global quality shifts (added to the random ones).
const QUALITY_SHIFTS: [(&str, f64); 8] = [
    ("lighting:golden hour light", 0.25),
    ("lighting:harsh midday sun", -0.3),
    ("lighting:dramatic backlight", 0.15),
    ("texture:intricate detail", 0.2),
    ("texture:grainy film texture", -0.15),
    ("palette:monochrome", -0.1),
    ("view:symmetrical composition", 0.1),
    ("mood:tense", -0.12),
];

/// Hand-set age directions: positive = favoured by older raters.
const AGE_SHIFTS: [(&str, f64); 12] = [
    ("group:landscape/Art", 0.14),
    ("group:flower painting/Art", 0.2),
    ("group:landscape/Photorealism", 0.1),
    ("style:Impressionism", 0.2),
    ("style:Romanticism", 0.15),
    ("mood:serene", 0.1),
    ("lighting:soft morning light", 0.08),
    ("lighting:neon glow", -0.25),
    ("group:cinematic/Photorealism", -0.15),
    ("style:Pop_Art", -0.2),
    ("mood:energetic", -0.12),
    ("palette:vivid saturated colours", -0.1),
];

/// (country, weight in the participant pool, region)
const COUNTRIES: [(&str, f64, usize); 23] = [
    ("United Kingdom", 30.0, 0),
    ("United States", 25.0, 0),
    ("South Africa", 14.0, 4),
    ("Poland", 12.0, 3),
    ("Portugal", 10.0, 2),
    ("Italy", 8.0, 2),
    ("Germany", 8.0, 1),
    ("Canada", 7.0, 0),
    ("Mexico", 6.0, 5),
    ("Spain", 6.0, 2),
    ("Greece", 5.0, 2),
    ("Hungary", 4.0, 3),
    ("Chile", 4.0, 5),
    ("France", 4.0, 1),
    ("Netherlands", 4.0, 1),
    ("India", 4.0, 6),
    ("Brazil", 4.0, 5),
    ("Australia", 3.0, 0),
    ("Kenya", 3.0, 4),
    ("Nigeria", 3.0, 4),
    ("Japan", 2.0, 6),
    ("Turkey", 2.0, 6),
    ("China", 2.0, 6),
];

const REGIONS: [&str; 7] = [
    "English-speaking",
    "Western Europe",
    "Southern Europe",
    "Central Europe",
    "Africa",
    "Latin America",
    "Asia",
];

const LATENT: usize = 2;

/// One participant's latent parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantTruth {
    pub id: String,
    pub region: String,
    pub bias: f64,
    pub scale: f64,
    pub latent: [f64; LATENT],
}

/// One image's latent parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageTruth {
    pub id: u64,
    /// Indices into [`GroundTruth::features`].
    pub features: Vec<u32>,
    pub residual: f64,
}

/// Everything the generator knows and the data does not show.
///
/// The fields after `generator_version` describe the default model. For `twisted` they hold
/// its analogues where one exists (`quality_effect`: the visible quality per feature;
/// `gender_effect`: the Art-only gender effect; `region_effect`; per participant `bias` =
/// offset, `scale` = stretch, `latent` = the first two of three latent coordinates; per image
/// `residual` = hidden quality + interaction part) and are empty where none does
/// (`age_effect`, `country_effect`, `individual_loadings`); its own parameters are in
/// `twisted`. `ratings` (the noise-free scores, what the oracle uses) has the same meaning for
/// every generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// `default` or `twisted` (files written before there were two generators: `default`).
    #[serde(default = "default_generator_name")]
    pub generator: String,
    /// The twisted model's own parameters (absent for the default generator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twisted: Option<twisted::TwistedTruth>,
    pub generator_version: u32,
    pub seed: u64,
    pub params: Params,
    pub features: Vec<String>,
    pub quality_effect: Vec<f64>,
    pub age_effect: Vec<f64>,
    /// Women minus men; each gets half of it with its sign.
    pub gender_effect: Vec<f64>,
    pub regions: Vec<String>,
    pub region_effect: Vec<Vec<f64>>,
    pub country_effect: Vec<Vec<f64>>,
    pub individual_loadings: Vec<[f64; LATENT]>,
    /// In the dataset's participant order.
    pub participants: Vec<ParticipantTruth>,
    /// In the dataset's image order.
    pub images: Vec<ImageTruth>,
    /// Noise-free score of every rating, in the dataset's rating order, with the rating's
    /// participant and image ids for joining.
    pub ratings: Vec<RatingTruth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingTruth {
    pub participant_id: String,
    pub image_id: u64,
    pub true_score: f64,
}

impl GroundTruth {
    /// The noise-free score for a (participant id, image id), by binary search over the
    /// ratings sorted by (participant, image).
    pub fn lookup(&self) -> std::collections::HashMap<(String, u64), f64> {
        self.ratings
            .iter()
            .map(|r| ((r.participant_id.clone(), r.image_id), r.true_score))
            .collect()
    }
}

/// The generator's output.
pub struct Synthetic {
    pub dataset: Dataset,
    pub truth: GroundTruth,
}

struct PlannedParticipant {
    gender: &'static str,
    /// Ratings per split (index = Split::index).
    counts: [u64; 5],
}

fn hex_id(rng: &mut Rng) -> String {
    format!("p_{:08x}", rng.next_u64() as u32)
}

fn uuid_v4(rng: &mut Rng) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    b[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Generates the dataset for a seed. Fails only if an internal invariant breaks.
pub fn generate(seed: u64) -> Result<Synthetic, String> {
    generate_with(seed, Params::default())
}

pub fn generate_with(seed: u64, params: Params) -> Result<Synthetic, String> {
    generate_impl(Generator::Default, seed, params)
}

/// Generates the dataset of one generator for a seed.
pub fn generate_by(generator: Generator, seed: u64) -> Result<Synthetic, String> {
    generate_impl(generator, seed, Params::default())
}

fn generate_impl(generator: Generator, seed: u64, params: Params) -> Result<Synthetic, String> {
    let root = Rng::new(seed);
    let mut rng_plan = root.fork(1);
    let mut rng_people = root.fork(2);
    let mut rng_images = root.fork(3);
    let mut rng_assign = root.fork(4);
    let mut rng_effects = root.fork(5);
    let mut rng_noise = root.fork(6);

    // ---- Participants and their rating counts per split -------------------------------
    let split_total = |s: Split| card::SPLITS[s.index() as usize].1;
    let mut plan: Vec<PlannedParticipant> = Vec::new();
    let weight = |r: &mut Rng| 0.75 + 0.5 * r.uniform();
    for (split, genders) in [
        (Split::ValUnseen, &["male", "male", "female"][..]),
        (
            Split::TestUnseen,
            &["male", "male", "male", "male", "female", "female", "female"][..],
        ),
    ] {
        let w: Vec<f64> = genders.iter().map(|_| weight(&mut rng_plan)).collect();
        for (g, n) in genders.iter().zip(apportion(split_total(split), &w, 1)) {
            let mut counts = [0u64; 5];
            counts[split.index() as usize] = n;
            plan.push(PlannedParticipant { gender: g, counts });
        }
    }
    let unseen_by = |g: &str, plan: &[PlannedParticipant]| -> u64 {
        plan.iter()
            .filter(|p| p.gender == g)
            .map(|p| p.counts.iter().sum::<u64>())
            .sum()
    };
    let seen_splits = [Split::Train, Split::ValSeen, Split::TestSeen];
    let seen_w: Vec<f64> = seen_splits.iter().map(|&s| split_total(s) as f64).collect();
    // The one participant who preferred not to say.
    let undisclosed = apportion(card::UNDISCLOSED_RATINGS, &seen_w, 1);
    let mut counts = [0u64; 5];
    for (s, n) in seen_splits.iter().zip(&undisclosed) {
        counts[s.index() as usize] = *n;
    }
    plan.push(PlannedParticipant {
        gender: "prefer not to say",
        counts,
    });
    let male_seen = card::MALE_RATINGS - unseen_by("male", &plan);
    let female_seen = card::FEMALE_RATINGS - unseen_by("female", &plan);
    let remaining: Vec<f64> = seen_splits
        .iter()
        .zip(&undisclosed)
        .map(|(&s, &u)| (split_total(s) - u) as f64)
        .collect();
    let male_by_split = apportion(male_seen, &remaining, 0);
    let (n_male_seen, n_female_seen) = (109usize, 79usize);
    for (gender, n_people, by_split) in [
        ("male", n_male_seen, male_by_split.clone()),
        (
            "female",
            n_female_seen,
            remaining
                .iter()
                .zip(&male_by_split)
                .map(|(&r, &m)| r as u64 - m)
                .collect::<Vec<u64>>(),
        ),
    ] {
        let w: Vec<f64> = (0..n_people).map(|_| weight(&mut rng_plan)).collect();
        let per_split: Vec<Vec<u64>> = by_split.iter().map(|&t| apportion(t, &w, 1)).collect();
        let mut counts = vec![[0u64; 5]; n_people];
        for (s, per_person) in seen_splits.iter().zip(&per_split) {
            for (c, &n) in counts.iter_mut().zip(per_person) {
                c[s.index() as usize] = n;
            }
        }
        plan.extend(
            counts
                .into_iter()
                .map(|counts| PlannedParticipant { gender, counts }),
        );
        let _ = female_seen;
    }
    if plan.len() != card::PARTICIPANTS {
        return Err(format!("planned {} participants", plan.len()));
    }

    // Demographics.
    let country_w: Vec<f64> = COUNTRIES.iter().map(|c| c.1).collect();
    let mut nat_slots: Vec<usize> = apportion(card::PARTICIPANTS as u64, &country_w, 1)
        .iter()
        .enumerate()
        .flat_map(|(c, &n)| std::iter::repeat_n(c, n as usize))
        .collect();
    rng_people.shuffle(&mut nat_slots);
    let age_w: Vec<f64> = (card::AGE_MIN..=card::AGE_MAX)
        .map(|a| {
            let a = a as f64;
            (-(a - 27.0).powi(2) / (2.0 * 81.0)).exp()
                + 0.3 * (-(a - 45.0).powi(2) / (2.0 * 100.0)).exp()
        })
        .collect();
    let mut ages: Vec<u8> = (0..card::PARTICIPANTS)
        .map(|_| card::AGE_MIN + rng_people.weighted(&age_w) as u8)
        .collect();
    ages[0] = card::AGE_MIN;
    ages[1] = card::AGE_MAX;
    rng_people.shuffle(&mut ages);
    let mut ids: Vec<String> = Vec::new();
    while ids.len() < card::PARTICIPANTS {
        let id = hex_id(&mut rng_people);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    // ---- Images --------------------------------------------------------------------------
    // Pools: A = train images (also rated by unseen participants), B = val_seen, C = test_seen.
    let unseen_total = split_total(Split::ValUnseen) + split_total(Split::TestUnseen);
    let pool_totals = [
        split_total(Split::Train) + unseen_total,
        split_total(Split::ValSeen),
        split_total(Split::TestSeen),
    ];
    let pool_sizes = apportion(
        card::IMAGES as u64,
        &pool_totals.iter().map(|&t| t as f64).collect::<Vec<_>>(),
        1,
    );
    let art_share = card::ART_RATINGS as f64 / card::RATINGS as f64;
    let art_totals = apportion(
        card::ART_RATINGS,
        &pool_totals.iter().map(|&t| t as f64).collect::<Vec<_>>(),
        0,
    );
    // (pool, is_art, raters) per image
    let mut image_plan: Vec<(usize, bool, u64)> = Vec::new();
    for pool in 0..3 {
        let n = pool_sizes[pool];
        let n_art = (n as f64 * art_totals[pool] as f64 / pool_totals[pool] as f64).round() as u64;
        let _ = art_share;
        for (is_art, n_imgs, total) in [
            (true, n_art, art_totals[pool]),
            (false, n - n_art, pool_totals[pool] - art_totals[pool]),
        ] {
            let lo = n_imgs * card::MIN_RATERS;
            if total < lo || total > n_imgs * card::MAX_RATERS {
                return Err(format!(
                    "pool {pool} cannot hold {total} ratings on {n_imgs} images"
                ));
            }
            let mut extra_slots: Vec<u64> = (0..n_imgs).flat_map(|i| [i, i]).collect();
            rng_images.shuffle(&mut extra_slots);
            let mut raters = vec![card::MIN_RATERS; n_imgs as usize];
            for &i in &extra_slots[..(total - lo) as usize] {
                raters[i as usize] += 1;
            }
            image_plan.extend(raters.into_iter().map(|r| (pool, is_art, r)));
        }
    }

    // Features: groups, styles, subjects, attribute values, types.
    let mut features: Vec<String> = Vec::new();
    let feature_of = |name: String, features: &mut Vec<String>| -> u32 {
        match features.iter().position(|f| *f == name) {
            Some(i) => i as u32,
            None => {
                features.push(name);
                features.len() as u32 - 1
            }
        }
    };
    for (g, _) in ART_GROUPS {
        feature_of(format!("group:{g}/Art"), &mut features);
    }
    for (g, _) in PHOTO_GROUPS {
        feature_of(format!("group:{g}/Photorealism"), &mut features);
    }
    for s in STYLES {
        feature_of(format!("style:{s}"), &mut features);
    }
    for (kind, values, _) in ATTRIBUTES {
        for v in values {
            feature_of(format!("{kind}:{v}"), &mut features);
        }
    }
    feature_of("type:Art".into(), &mut features);
    feature_of("type:Photorealism".into(), &mut features);

    let n_art_images = image_plan.iter().filter(|p| p.1).count();
    let balanced = |rng: &mut Rng, n: usize, w: &[f64]| -> Vec<usize> {
        let mut v: Vec<usize> = apportion(n as u64, w, 1)
            .iter()
            .enumerate()
            .flat_map(|(k, &c)| std::iter::repeat_n(k, c as usize))
            .collect();
        rng.shuffle(&mut v);
        v
    };
    let art_group_w: Vec<f64> = ART_GROUPS.iter().map(|g| g.1).collect();
    let photo_group_w: Vec<f64> = PHOTO_GROUPS.iter().map(|g| g.1).collect();
    let mut art_groups = balanced(&mut rng_images, n_art_images, &art_group_w).into_iter();
    let mut art_styles = balanced(&mut rng_images, n_art_images, &[1.0; STYLES.len()]).into_iter();
    let mut photo_groups = balanced(
        &mut rng_images,
        image_plan.len() - n_art_images,
        &photo_group_w,
    )
    .into_iter();

    struct ImageDraft {
        pool: usize,
        raters: u64,
        id: u64,
        path: String,
        group: &'static str,
        style: Option<&'static str>,
        kind: &'static str,
        prompt: String,
        features: Vec<u32>,
        residual: f64,
    }
    let mut used_ids = std::collections::BTreeSet::new();
    let mut drafts: Vec<ImageDraft> = Vec::with_capacity(image_plan.len());
    for &(pool, is_art, raters) in &image_plan {
        let id = loop {
            let id = 1_000_000 + rng_images.below(9_000_000);
            if used_ids.insert(id) {
                break id;
            }
        };
        let path = format!(
            "./images/{}.png",
            pamela_core::bundle::format_uuid(&uuid_v4(&mut rng_images))
        );
        let (group, style, kind) = if is_art {
            let g = ART_GROUPS[art_groups.next().ok_or("art groups ran out")?].0;
            let s = STYLES[art_styles.next().ok_or("styles ran out")?];
            (g, Some(s), "Art")
        } else {
            let g = PHOTO_GROUPS[photo_groups.next().ok_or("photo groups ran out")?].0;
            (g, None, "Photorealism")
        };
        let subs = subjects(group);
        let subject = subs[rng_images.below(subs.len() as u64) as usize];
        let mut feats = vec![feature_of(format!("group:{group}/{kind}"), &mut features)];
        if let Some(s) = style {
            feats.push(feature_of(format!("style:{s}"), &mut features));
        }
        feats.push(feature_of(format!("subject:{subject}"), &mut features));
        feats.push(feature_of(format!("type:{kind}"), &mut features));
        let mut attrs: Vec<Option<&str>> = Vec::new();
        for (k, values, p) in ATTRIBUTES {
            let chosen = rng_images.uniform() < p;
            let v = values[rng_images.below(values.len() as u64) as usize];
            if chosen {
                feats.push(feature_of(format!("{k}:{v}"), &mut features));
                attrs.push(Some(v));
            } else {
                attrs.push(None);
            }
        }
        let (light, view, palette, mood) = (
            attrs[0].unwrap_or(""),
            attrs[1].unwrap_or(""),
            attrs[2].unwrap_or(""),
            attrs[3].unwrap_or(""),
        );
        let texture = attrs[4].map(|t| format!(", {t}")).unwrap_or_default();
        let prompt = match style {
            Some(s) => format!(
                "{}, rendered in {palette}, in the manner of {}, {light}, {view}, with a {mood} \
                 mood{texture}.",
                capitalize(subject),
                s.replace('_', " ")
            ),
            None => format!(
                "A photograph of {subject}, {light}, {view}, {palette}, {mood} \
                 atmosphere{texture}."
            ),
        };
        drafts.push(ImageDraft {
            pool,
            raters,
            id,
            path,
            group,
            style,
            kind,
            prompt,
            features: feats,
            residual: params.residual_sd * rng_images.normal(),
        });
    }

    // ---- Effects -------------------------------------------------------------------------
    struct PersonDraft {
        id: String,
        age: u8,
        gender: &'static str,
        country: usize,
        bias: f64,
        scale: f64,
        latent: [f64; LATENT],
        taste: Vec<f64>,
        counts: [u64; 5],
    }
    let nf = features.len();
    let (
        quality,
        age_effect,
        gender_effect,
        region_effect,
        country_effect,
        loadings,
        people,
        twist,
    ) = if generator == Generator::Twisted {
        let demo: Vec<twisted::Person> = plan
            .iter()
            .enumerate()
            .map(|(k, pp)| twisted::Person {
                age: ages[k],
                gender: pp.gender,
                region: COUNTRIES[nat_slots[k]].2,
            })
            .collect();
        let image_features: Vec<Vec<u32>> = drafts.iter().map(|d| d.features.clone()).collect();
        let m = twisted::Model::draw(
            &mut rng_effects,
            &features,
            &image_features,
            &demo,
            REGIONS.len(),
            &ids,
        );
        let people: Vec<PersonDraft> = plan
            .iter()
            .enumerate()
            .map(|(k, pp)| PersonDraft {
                id: ids[k].clone(),
                age: ages[k],
                gender: pp.gender,
                country: nat_slots[k],
                bias: m.people[k].offset,
                scale: m.people[k].stretch,
                latent: [m.people[k].latent[0], m.people[k].latent[1]],
                taste: Vec::new(),
                counts: pp.counts,
            })
            .collect();
        (
            m.quality.clone(),
            Vec::new(),
            m.gender_art.clone(),
            m.region.clone(),
            Vec::new(),
            Vec::new(),
            people,
            Some(m),
        )
    } else {
        let find = |name: &str| features.iter().position(|f| f == name);
        let mut quality: Vec<f64> = (0..nf)
            .map(|_| params.quality_sd * rng_effects.normal())
            .collect();
        for (name, shift) in QUALITY_SHIFTS {
            if let Some(f) = find(name) {
                quality[f] += shift;
            }
        }
        let mut age_effect: Vec<f64> = (0..nf)
            .map(|_| params.age_sd * rng_effects.normal())
            .collect();
        for (name, shift) in AGE_SHIFTS {
            if let Some(f) = find(name) {
                age_effect[f] += shift;
            }
        }
        let gender_effect: Vec<f64> = (0..nf)
            .map(|_| params.gender_sd * rng_effects.normal())
            .collect();
        let region_effect: Vec<Vec<f64>> = REGIONS
            .iter()
            .map(|_| {
                (0..nf)
                    .map(|_| params.region_sd * rng_effects.normal())
                    .collect()
            })
            .collect();
        let country_effect: Vec<Vec<f64>> = COUNTRIES
            .iter()
            .map(|_| {
                (0..nf)
                    .map(|_| params.country_sd * rng_effects.normal())
                    .collect()
            })
            .collect();
        let loadings: Vec<[f64; LATENT]> = (0..nf)
            .map(|_| std::array::from_fn(|_| params.individual_sd * rng_effects.normal()))
            .collect();
        let region_bias: Vec<f64> = REGIONS
            .iter()
            .map(|_| 0.15 * rng_effects.normal())
            .collect();

        let mut people: Vec<PersonDraft> = Vec::with_capacity(plan.len());
        for (k, pp) in plan.iter().enumerate() {
            let age = ages[k];
            let country = nat_slots[k];
            let region = COUNTRIES[country].2;
            let age_z = (age as f64 - 35.0) / 12.0;
            let g = match pp.gender {
                "female" => 1.0,
                "male" => -1.0,
                _ => 0.0,
            };
            // A random direction with a similar strength for everyone (norm near sqrt(2), the
            // mean norm of a 2-d standard normal): each person has a distinct taste of their own,
            // rather than a few strong individualists among many average raters.
            let angle = 2.0 * std::f64::consts::PI * rng_effects.uniform();
            let radius = std::f64::consts::SQRT_2 * (0.85 + 0.3 * rng_effects.uniform());
            let latent: [f64; LATENT] = [radius * libm::cos(angle), radius * libm::sin(angle)];
            let taste = (0..nf)
                .map(|f| {
                    age_z * age_effect[f]
                        + g * gender_effect[f] / 2.0
                        + region_effect[region][f]
                        + country_effect[country][f]
                        + (0..LATENT).map(|d| loadings[f][d] * latent[d]).sum::<f64>()
                })
                .collect();
            people.push(PersonDraft {
                id: ids[k].clone(),
                age,
                gender: pp.gender,
                country,
                bias: params.bias_sd * rng_effects.normal() + 0.06 * age_z + region_bias[region],
                scale: (params.scale_log_sd * rng_effects.normal()).exp(),
                latent,
                taste,
                counts: pp.counts,
            });
        }
        (
            quality,
            age_effect,
            gender_effect,
            region_effect,
            country_effect,
            loadings,
            people,
            None,
        )
    };

    // ---- Who rates what --------------------------------------------------------------------
    // Per pool, a bipartite graph with given degrees (people's counts, images' raters), built
    // greedily: each person takes the images with the most open slots (random among ties).
    // Connecting any vertex to the highest-degree vertices on the other side keeps a
    // realizable degree sequence realizable (Gale-Ryser), so this never gets stuck.
    let mut pairs: Vec<(usize, usize, Split)> = Vec::new();
    for pool in 0..3 {
        let members: Vec<usize> = (0..drafts.len())
            .filter(|&i| drafts[i].pool == pool)
            .collect();
        let mut open: Vec<u64> = members.iter().map(|&i| drafts[i].raters).collect();
        let mut demand: Vec<(usize, Split, u64)> = Vec::new();
        for (p, person) in people.iter().enumerate() {
            for s in Split::ALL {
                let in_pool = match s {
                    Split::Train | Split::ValUnseen | Split::TestUnseen => 0,
                    Split::ValSeen => 1,
                    Split::TestSeen => 2,
                };
                let n = person.counts[s.index() as usize];
                if in_pool == pool && n > 0 {
                    demand.push((p, s, n));
                }
            }
        }
        demand.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        for (p, s, n) in demand {
            let mut cand: Vec<(u64, u64, usize)> = open
                .iter()
                .enumerate()
                .filter(|(_, &o)| o > 0)
                .map(|(k, &o)| (o, rng_assign.next_u64(), k))
                .collect();
            if (cand.len() as u64) < n {
                return Err(format!(
                    "pool {pool}: not enough images for participant {p}"
                ));
            }
            let by =
                |a: &(u64, u64, usize), b: &(u64, u64, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            cand.select_nth_unstable_by(n as usize - 1, by);
            for &(_, _, k) in &cand[..n as usize] {
                open[k] -= 1;
                pairs.push((p, members[k], s));
            }
        }
        if open.iter().any(|&o| o > 0) {
            return Err(format!("pool {pool}: rating slots left open"));
        }
    }

    // ---- Scores ----------------------------------------------------------------------------
    let mut raw: Vec<(usize, usize, Split, f64, u16)> = Vec::with_capacity(pairs.len());
    for &(p, i, s) in &pairs {
        let person = &people[p];
        let img = &drafts[i];
        let (truth, observed) = match &twist {
            Some(m) => m.rate(p, i, &mut rng_noise),
            None => {
                let signal: f64 = img
                    .features
                    .iter()
                    .map(|&f| quality[f as usize] + person.taste[f as usize])
                    .sum::<f64>()
                    + img.residual;
                let truth = (params.base + person.bias + person.scale * signal).clamp(1.0, 5.0);
                let observed = (truth + params.noise_sd * rng_noise.normal()).clamp(1.0, 5.0);
                (truth, observed)
            }
        };
        raw.push((p, i, s, truth, score_to_milli(observed)));
    }

    // ---- Assemble the store (through the same canonical ordering as the loader) ------------
    let mut groups = Interner::default();
    let mut styles = Interner::default();
    let mut types = Interner::default();
    let mut categories = Interner::default();
    let mut genders = Interner::default();
    let mut nats = Interner::default();
    let mut bins = Interner::default();
    let mut img_order: Vec<usize> = (0..drafts.len()).collect();
    img_order.sort_by_key(|&i| drafts[i].id);
    let mut img_rank = vec![0u32; drafts.len()];
    for (r, &i) in img_order.iter().enumerate() {
        img_rank[i] = r as u32;
    }
    let mut raw_images = Images::default();
    let mut image_truth = Vec::new();
    let mut tmp_group = Vec::new();
    let mut tmp_style = Vec::new();
    let mut tmp_kind = Vec::new();
    let mut tmp_cat = Vec::new();
    for &i in &img_order {
        let d = &drafts[i];
        raw_images.id.push(d.id);
        raw_images.path.push(d.path.clone());
        raw_images.prompt.push(d.prompt.clone());
        tmp_group.push(groups.intern(d.group));
        tmp_style.push(d.style.map(|s| styles.intern(s)));
        tmp_kind.push(types.intern(d.kind));
        tmp_cat.push(categories.intern("AI image"));
        image_truth.push(ImageTruth {
            id: d.id,
            features: d.features.clone(),
            residual: match &twist {
                Some(m) => m.hidden[i] + m.interaction[i],
                None => d.residual,
            },
        });
    }
    let mut part_order: Vec<usize> = (0..people.len()).collect();
    part_order.sort_by(|&a, &b| people[a].id.cmp(&people[b].id));
    let mut part_rank = vec![0u32; people.len()];
    for (r, &p) in part_order.iter().enumerate() {
        part_rank[p] = r as u32;
    }
    let mut raw_parts = Participants::default();
    let mut tmp_bin = Vec::new();
    let mut tmp_gender = Vec::new();
    let mut tmp_nat = Vec::new();
    let mut participant_truth = Vec::new();
    for &p in &part_order {
        let d = &people[p];
        raw_parts.id.push(d.id.clone());
        raw_parts.age.push(d.age);
        tmp_bin.push(bins.intern(decade_name(d.age)));
        tmp_gender.push(genders.intern(d.gender));
        tmp_nat.push(nats.intern(COUNTRIES[d.country].0));
        participant_truth.push(ParticipantTruth {
            id: d.id.clone(),
            region: REGIONS[COUNTRIES[d.country].2].to_string(),
            bias: d.bias,
            scale: d.scale,
            latent: d.latent,
        });
    }
    let (group_names, gm) = groups.finish();
    let (style_dict, sm) = styles.finish();
    let (type_dict, tm) = types.finish();
    let (cat_dict, cm) = categories.finish();
    let (gender_dict, genm) = genders.finish();
    let (nat_dict, nm) = nats.finish();
    let (bin_dict, bm) = bins.finish();
    raw_images.group_name = tmp_group.iter().map(|&g| gm[g as usize]).collect();
    raw_images.style = tmp_style
        .iter()
        .map(|s| s.map_or(pamela_core::dataset::NO_STYLE, |s| sm[s as usize]))
        .collect();
    raw_images.kind = tmp_kind.iter().map(|&t| tm[t as usize]).collect();
    raw_images.category = tmp_cat.iter().map(|&c| cm[c as usize]).collect();
    raw_parts.age_bin = tmp_bin.iter().map(|&b| bm[b as usize]).collect();
    raw_parts.gender = tmp_gender.iter().map(|&g| genm[g as usize]).collect();
    raw_parts.nationality = tmp_nat.iter().map(|&n| nm[n as usize]).collect();

    // Canonical order, and the truth in the same order.
    raw.sort_by_key(|&(p, i, s, _, milli)| (s.index(), part_rank[p], img_rank[i], milli));
    let mut ratings = Ratings::default();
    let mut rating_truth = Vec::with_capacity(raw.len());
    for &(p, i, s, truth, milli) in &raw {
        ratings.participant.push(part_rank[p]);
        ratings.image.push(img_rank[i]);
        ratings.score.push(milli);
        ratings.label.push(Label::nearest_to_milli(milli).index());
        ratings.split.push(s.index());
        rating_truth.push(RatingTruth {
            participant_id: people[p].id.clone(),
            image_id: drafts[i].id,
            true_score: (truth * 1e4).round() / 1e4,
        });
    }
    let source = Source {
        kind: SourceKind::Synthetic,
        provenance: provenance(generator, seed),
    };
    let dicts = Dicts {
        group_names,
        styles: style_dict,
        types: type_dict,
        categories: cat_dict,
        genders: gender_dict,
        nationalities: nat_dict,
        age_bins: bin_dict,
    };
    let dataset = Dataset::new(source, dicts, raw_images, raw_parts, ratings)
        .map_err(|e| format!("generated store is invalid: {e}"))?;
    let twisted_truth = twist.as_ref().map(|m| {
        let (age_basis, age_effects, loadings) = m.truth_parts();
        twisted::TwistedTruth {
            version: twisted::TWISTED_VERSION,
            age_basis,
            age_effects,
            loadings,
            hidden_quality: img_order.iter().map(|&i| m.hidden[i]).collect(),
            interaction: img_order.iter().map(|&i| m.interaction[i]).collect(),
            people: part_order.iter().map(|&p| m.people[p].clone()).collect(),
        }
    });
    let truth = GroundTruth {
        generator: generator.name().to_string(),
        twisted: twisted_truth,
        generator_version: generator.version(),
        seed,
        params,
        features,
        quality_effect: quality,
        age_effect,
        gender_effect,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        region_effect,
        country_effect,
        individual_loadings: loadings,
        participants: participant_truth,
        images: image_truth,
        ratings: rating_truth,
    };
    Ok(Synthetic { dataset, truth })
}

/// The five split files in the published layout: a JSON array, one record per line.
pub fn split_file(ds: &Dataset, split: Split) -> Vec<u8> {
    let range = ds.split_range(split);
    let mut out = Vec::with_capacity(range.len() * 520 + 4);
    out.extend_from_slice(b"[\n");
    for (k, r) in range.enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, &ds.record(r)).expect("records serialize");
    }
    out.extend_from_slice(b"\n]\n");
    out
}

/// The manifest that marks a folder of split files as synthetic for the loader.
pub fn manifest(ds: &Dataset) -> Vec<u8> {
    let g = from_provenance(&ds.source.provenance)
        .map(|(g, _)| g)
        .unwrap_or(Generator::Default);
    let v = serde_json::json!({
        "synthetic": true,
        "generator": "pamela synth",
        "generator_name": g.name(),
        "generator_version": g.version(),
        "provenance": ds.source.provenance,
        "note": "These files are a synthetic sample generated to the PAMELA dataset card's \
                 counts. They are not real ratings.",
    });
    serde_json::to_vec_pretty(&v).expect("manifest serializes")
}
