//! The embedding model and topic discovery of `hearken-topics`, as the library's topic steps
//! (`hearken::ops::topics`) reach them.

use hearken::ops::topics::{GuideSample, TopicModel};
use hearken::{Error, Result};
use hearken_topics::{
    derive_topics_with_previous, Embedder, Guide, ResponseVectors, Sample, Steering, TopicSet, TOPIC_SET_FORMAT,
};
use std::sync::{Arc, OnceLock};

/// The model, loaded once per process.
pub struct Model(&'static Embedder);

static MODEL: OnceLock<Arc<Model>> = OnceLock::new();

/// The model (`HEARKEN_MODEL_DIR`, or the directory `infra/model.sh fetch` fills), loaded on first
/// use and kept for the life of the process.
pub fn model() -> Result<Arc<Model>> {
    if let Some(model) = MODEL.get() {
        return Ok(Arc::clone(model));
    }
    let dir = hearken_topics::default_model_dir();
    let loaded = Embedder::load(&dir).map_err(|e| {
        Error::internal(format!("cannot load the topics model from {} (run infra/model.sh fetch): {e}", dir.display()))
    })?;
    Ok(Arc::clone(MODEL.get_or_init(|| Arc::new(Model(Box::leak(Box::new(loaded)))))))
}

impl TopicModel for Model {
    type Set = TopicSet;
    type Vectors = ResponseVectors;

    fn embed(&self, texts: &[&str]) -> Result<Vec<ResponseVectors>> {
        self.0.response_vectors_batch(texts).map_err(Error::internal)
    }

    fn derive(
        &self,
        samples: &[(&str, Option<u8>, &ResponseVectors)],
        previous: Option<&TopicSet>,
        guides: &[GuideSample<'_, ResponseVectors>],
        discover: bool,
    ) -> TopicSet {
        let samples: Vec<Sample> =
            samples.iter().map(|&(text, rating, vectors)| Sample { text, rating, vectors }).collect();
        let guides: Vec<Guide> = guides
            .iter()
            .map(|guide| Guide {
                name: guide.name,
                examples: guide
                    .examples
                    .iter()
                    .map(|&(text, vectors)| Sample { text, rating: None, vectors })
                    .collect(),
            })
            .collect();
        // The model also picks each new topic's name among its frequent phrases.
        derive_topics_with_previous(&samples, previous, &Steering { guides: &guides, discover }, Some(self.0))
    }

    fn assign(&self, set: &TopicSet, text: &str, vectors: &ResponseVectors) -> Vec<String> {
        set.assign(text, vectors)
    }

    fn topic_count(&self, set: &TopicSet) -> usize {
        set.topics.len()
    }

    fn set_to_bytes(&self, set: &TopicSet) -> Result<Vec<u8>> {
        serde_json::to_vec(set).map_err(Error::internal)
    }

    fn set_from_bytes(&self, bytes: &[u8]) -> Option<TopicSet> {
        let set: TopicSet = serde_json::from_slice(bytes).ok()?;
        (set.format == TOPIC_SET_FORMAT).then_some(set)
    }

    fn vectors_to_bytes(&self, vectors: &ResponseVectors) -> Vec<u8> {
        vectors.to_bytes()
    }

    fn vectors_from_bytes(&self, bytes: &[u8]) -> Option<ResponseVectors> {
        ResponseVectors::from_bytes(bytes).ok()
    }
}
