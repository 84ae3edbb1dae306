//! Topic discovery for survey responses. **English only**: the embedding model, its vocabulary,
//! the clause splitter and the stopwords are English.
//!
//! How it works:
//! 1. [`Embedder::response_vectors`] embeds a response with all-MiniLM-L6-v2 (mean pooling over
//!    the attention mask, L2-normalised, 384 dims): the whole text and, when it has several, each
//!    clause (split on sentence punctuation and on "and", "but", …), each with how close it is to a
//!    generic answer ("great", "meh"). That is what is stored per response
//!    ([`ResponseVectors::to_bytes`], f16, under 5.5 KB).
//! 2. [`derive_topics_with`] derives a survey's topics from its responses. The owner's guides
//!    ([`Guide`], [`Steering`]) come first: each is a topic under its exact name whose centre starts
//!    from its examples' whole texts and its name's embedding. Clauses no guide covers (similarity
//!    below `guide_cover`) are clustered (average linkage, similarity = 0.7 × model cosine + 0.3 ×
//!    TF-IDF cosine, the model's vectors centred first: a share of the sample's mean embedding is
//!    taken off each and kept in the set for assignment, [`Params::centring`]; the dendrogram cut
//!    at the height that gives the most clusters of topic size);
//!    clusters whose centres are close are merged (one theme said two ways), then a few rounds of
//!    k-means over guides and clusters let each centre settle on the clauses nearest to it (a guide
//!    keeps its examples and grows from the responses clearly about it). Guides always stay;
//!    clusters that enough responses get become topics, named by the phrase (1–3 content words)
//!    most frequent in them and rare elsewhere, or a longer phrase containing it that the model
//!    puts clearly closer ("timeline view" over "timeline"), never a guide's name. A previous
//!    set's names stay on discovered topics that did not change. At most 2,000 clause units are
//!    clustered (the most recent responses).
//! 3. [`TopicSet::assign`] gives one response the topics it is about (at most 4): each clause
//!    votes for the discovered topics whose threshold it reaches, and for the guides it reaches
//!    that are within `assign_margin` of its nearest guide (a clause: when its whole text is near
//!    that guide too, `guide_whole_slack`); the whole text votes only when none
//!    of its clauses got a topic. So an answer about one of the owner's topics gets that one,
//!    and an answer whose clauses are about two themes gets both. Discovered topics get no
//!    margin: discovery often splits a theme in two narrower topics, and a margin between them
//!    would split the theme's answers. A response that reaches no topic gets the discovered
//!    topic its whole text is clearly nearest to. It needs only that response and the stored
//!    [`TopicSet`].
//!
//! Measured (`topics-eval`, fixtures food delivery / project management): discovered topics macro
//! F1 0.691 / 0.752 (pooled 0.721), noise 0 / 0 of 10, rating error 0.139 / 0.121; taught by N
//! examples per gold topic (`--teach N`, as `score-topics`), pooled: N = 1: 0.735; N = 3: 0.792
//! (0.785 / 0.799, noise 0 / 0, rating error 0.09 / 0.12); N = 5: 0.800; N = 10: 0.869. Over
//! 2,132 responses (a fixture repeated): derivation 1.0–1.4 s (0.2 s taught by 12 guides, which
//! leave little to cluster), peak 150 MB with the model; re-assigning all of them 50–70 ms.
//! Small clean surveys (`topics-eval --themes`, tests/surveys): each theme's topic reaches ≥ 90% of the
//! theme and ≤ 10% of the rest in 7 of 8 themes; the hotel's cleanliness answers are split
//! between "clean" (82%) and "room". Limits: neighbouring aspects that customers mention
//! together (prices/payment) still blur; a theme customers name in several ways can come out as
//! several topics; names are the customers' own words, often one word ("fee", "search").
//!
//! Dependencies, and why each is here (all MIT or Apache-2.0, pure Rust, no C toolchain):
//! - `candle-core`, `candle-nn`, `candle-transformers` (MIT OR Apache-2.0): tensors, safetensors
//!   loading and the BERT implementation that runs the model on the CPU; default features off
//!   (no CUDA/Metal/MKL).
//! - `tokenizers` (Apache-2.0): the model's WordPiece tokenizer from its `tokenizer.json`; default
//!   features off and `fancy-regex` instead of Oniguruma, so no C code is compiled.
//! - `half` (MIT OR Apache-2.0): f16 storage of vectors and topic centres (half the bytes).
//! - `serde`, `serde_json`, `base64`, `thiserror` (workspace crates): the stored topic set, the
//!   model config and errors.

mod centring;
mod cluster;
mod derive;
mod embed;
pub mod eval;
mod guides;
mod naming;
mod params;
mod serde_f16;
mod text;
mod tfidf;
mod topics;
mod vectors;

pub use derive::{derive_topics, derive_topics_with, derive_topics_with_previous};
pub use embed::{Embedder, DIMS};
pub use guides::{Guide, Steering};
pub use params::Params;
pub use text::split_clauses;
pub use tfidf::Idf;
pub use topics::{Sample, Topic, TopicSet, TOPIC_SET_FORMAT};
pub use vectors::{ResponseVectors, Unit};

/// Where the model lives unless told otherwise: `HEARKEN_MODEL_DIR`, else the directory
/// `infra/model.sh fetch` writes (relative to the workspace root).
pub const MODEL_DIR_ENV: &str = "HEARKEN_MODEL_DIR";

/// The model directory: `$HEARKEN_MODEL_DIR` if set, else `.cache/models/all-MiniLM-L6-v2` under
/// the workspace root this crate was built in.
pub fn default_model_dir() -> std::path::PathBuf {
    match std::env::var_os(MODEL_DIR_ENV) {
        Some(dir) => dir.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/all-MiniLM-L6-v2"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TopicsError {
    /// The model could not be loaded or run.
    #[error("embedding model: {0}")]
    Model(String),
    /// Stored bytes that are not what this version writes.
    #[error("format: {0}")]
    Format(String),
}
