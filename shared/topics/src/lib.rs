//! Topic discovery for survey responses. **English only**: the embedding model, its vocabulary,
//! the clause splitter and the stopwords are English.
//!
//! How it works:
//! 1. [`Embedder::response_vectors`] embeds a response with all-MiniLM-L6-v2 (mean pooling over
//!    the attention mask, L2-normalised, 384 dims): the whole text and, when it has several, each
//!    clause (split on sentence punctuation and on "and", "but", …), each with how close it is to a
//!    generic answer ("great", "meh"). That is what is stored per response
//!    ([`ResponseVectors::to_bytes`], f16, under 5.5 KB).
//! 2. [`derive_topics`] discovers a survey's topics from its responses: non-generic clauses are
//!    clustered (average linkage, similarity = 0.7 × model cosine + 0.3 × TF-IDF cosine, the
//!    dendrogram cut at the height that gives the most clusters of topic size, then a few rounds
//!    of k-means from those clusters), clusters that enough responses get become topics. Each is
//!    named by the phrase (1–3 content words) most frequent in it and rare elsewhere, or by a
//!    longer phrase containing it that the model puts clearly closer to the topic ("timeline
//!    view" over "timeline"). [`derive_topics_with_previous`] keeps the names of topics that did
//!    not change and whose name is still one of their three best phrases. At most 2,000 clause
//!    units are clustered (the most recent responses): about 1.5 s (0.5 s of it naming), 25 MB.
//! 3. [`TopicSet::assign`] gives one response every topic (at most 4) that its whole text or one
//!    of its clauses is close to; it needs only that response and the stored [`TopicSet`], so new
//!    responses get topics between re-derivations.
//!
//! Measured on the two labelled fixture surveys (`topics-eval`): macro F1 0.68 and 0.71 (0.69
//! pooled), noise 0/10, rating error 0.15. Limits: neighbouring aspects that customers mention
//! together (prices/payment) still blur; a topic customers phrase in very different ways may
//! come out as two topics; names are the customers' own words, often one word ("fee", "search").
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

mod cluster;
mod derive;
mod embed;
pub mod eval;
mod naming;
mod params;
mod serde_f16;
mod text;
mod tfidf;
mod topics;
mod vectors;

pub use derive::{derive_topics, derive_topics_with, derive_topics_with_previous};
pub use embed::{Embedder, DIMS};
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
