//! Sentence embeddings: all-MiniLM-L6-v2 (a 6-layer BERT) on candle, CPU only.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams, TruncationStrategy};

use crate::text::split_clauses;
use crate::vectors::{ResponseVectors, Unit};
use crate::TopicsError;

/// Dimensions of one embedding.
pub const DIMS: usize = 384;

/// The model's own limit when it was trained for sentence embeddings (sentence-transformers'
/// `max_seq_length`); longer texts are truncated, as the reference implementation does.
const MAX_TOKENS: usize = 256;

/// How many texts go through the model in one forward pass: padding to the longest text of a
/// batch wastes little for short survey answers, and bigger batches do not go faster on one core.
const BATCH: usize = 32;

/// Answers that say nothing about any aspect ("great", "meh", "no complaints"). They are generic
/// survey language, not tied to any domain: a text unit whose embedding sits close to one of them
/// is kept out of topic discovery and assignment.
const GENERIC_ANSWERS: &[&str] = &[
    "great",
    "good",
    "awesome, love it",
    "perfect as is",
    "excellent service",
    "good service overall",
    "pretty good overall",
    "no complaints, keep up the good work",
    "keep doing what you're doing",
    "nothing to add",
    "nothing really, it does the job",
    "it's ok i guess",
    "it's fine",
    "meh",
    "n/a",
    "idk",
    "not sure",
    "thanks for asking",
    "terrible",
    "bad experience",
    "worst ever",
    "never again",
    "disappointed",
];

/// all-MiniLM-L6-v2 with its tokenizer: text in, L2-normalised 384-dimension vectors out
/// (mean pooling over the attention mask, as sentence-transformers does). English only: the model
/// and its vocabulary were trained on English text.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    /// Embeddings of [`GENERIC_ANSWERS`], computed once at load.
    generic: Vec<Vec<f32>>,
}

impl Embedder {
    /// Loads the model from `dir` (as written by `infra/model.sh fetch`): `tokenizer.json`,
    /// `config.json` (optional: the all-MiniLM-L6-v2 values otherwise) and the weights, preferring
    /// `model-f16.safetensors` (half the bytes to read and map, same embeddings to ~1e-6) over
    /// `model.safetensors`. Weights are computed in f32 either way.
    pub fn load(dir: &Path) -> Result<Embedder, TopicsError> {
        let missing = |what: &str| {
            TopicsError::Model(format!("{what} not found in {} (run `infra/model.sh fetch`)", dir.display()))
        };
        let weights = ["model-f16.safetensors", "model.safetensors"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| missing("model.safetensors"))?;
        let tokenizer_path = dir.join("tokenizer.json");
        if !tokenizer_path.is_file() {
            return Err(missing("tokenizer.json"));
        }
        let config: Config = match std::fs::read(dir.join("config.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TopicsError::Model(format!("config.json: {e}")))?,
            Err(_) => serde_json::from_str(DEFAULT_CONFIG).expect("built-in config parses"),
        };
        if config.hidden_size != DIMS {
            return Err(TopicsError::Model(format!("expected a {DIMS}-dimension model, got {}", config.hidden_size)));
        }

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| TopicsError::Model(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                ..Default::default()
            }))
            .map_err(|e| TopicsError::Model(e.to_string()))?;

        // Read into memory rather than mmap: the file is read once, and a plain read keeps the
        // crate free of `unsafe`.
        let bytes = std::fs::read(&weights).map_err(|e| TopicsError::Model(format!("{}: {e}", weights.display())))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu).map_err(model_err)?;
        let model = BertModel::load(vb, &config).map_err(model_err)?;
        let mut embedder = Embedder { model, tokenizer, generic: Vec::new() };
        embedder.generic = embedder.embed(GENERIC_ANSWERS)?;
        Ok(embedder)
    }

    /// Embeds each text (L2-normalised, [`DIMS`] values each), in batches.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, TopicsError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            out.extend(self.embed_batch(chunk)?);
        }
        Ok(out)
    }

    /// What is kept per response: the embedding of the whole text and of each of its clauses
    /// (when it has more than one), each with how close it is to a generic answer.
    pub fn response_vectors(&self, text: &str) -> Result<ResponseVectors, TopicsError> {
        self.response_vectors_batch(&[text]).map(|mut v| v.remove(0))
    }

    /// [`Embedder::response_vectors`] for many responses, batching every unit through the model.
    pub fn response_vectors_batch(&self, texts: &[&str]) -> Result<Vec<ResponseVectors>, TopicsError> {
        let mut unit_texts: Vec<String> = Vec::new();
        let mut counts = Vec::with_capacity(texts.len());
        for text in texts {
            let clauses = split_clauses(text);
            unit_texts.push(text.trim().to_string());
            if clauses.len() > 1 {
                counts.push(1 + clauses.len());
                unit_texts.extend(clauses);
            } else {
                counts.push(1);
            }
        }
        let refs: Vec<&str> = unit_texts.iter().map(String::as_str).collect();
        let mut vectors = self.embed(&refs)?.into_iter();
        Ok(counts
            .into_iter()
            .map(|n| {
                let units = (0..n)
                    .map(|_| {
                        let v = vectors.next().expect("one vector per unit");
                        Unit::new(self.genericness(&v), v)
                    })
                    .collect();
                ResponseVectors::new(units)
            })
            .collect())
    }

    /// Cosine similarity to the nearest generic answer.
    fn genericness(&self, v: &[f32]) -> f32 {
        self.generic.iter().map(|g| dot(g, v)).fold(f32::MIN, f32::max)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, TopicsError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        // An empty string still becomes [CLS] [SEP], so every text gets a vector.
        let encodings =
            self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| TopicsError::Model(e.to_string()))?;
        let len = encodings[0].get_ids().len();
        let mut ids = Vec::with_capacity(texts.len() * len);
        let mut mask = Vec::with_capacity(texts.len() * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let dev = &Device::Cpu;
        let ids = Tensor::from_vec(ids, (texts.len(), len), dev).map_err(model_err)?;
        let mask = Tensor::from_vec(mask, (texts.len(), len), dev).map_err(model_err)?;
        let types = ids.zeros_like().map_err(model_err)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(model_err)?;
        // Mean over the real tokens only (padding masked out), then L2 norm.
        let pooled = (|| {
            let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            let counts = m.sum(1)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
            mean.broadcast_div(&norm)?.to_vec2::<f32>()
        })()
        .map_err(model_err)?;
        Ok(pooled)
    }
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn model_err(e: candle_core::Error) -> TopicsError {
    TopicsError::Model(e.to_string())
}

/// all-MiniLM-L6-v2's config.json, for a model directory without one.
const DEFAULT_CONFIG: &str = r#"{"vocab_size":30522,"hidden_size":384,"num_hidden_layers":6,
"num_attention_heads":12,"intermediate_size":1536,"hidden_act":"gelu","hidden_dropout_prob":0.1,
"max_position_embeddings":512,"type_vocab_size":2,"initializer_range":0.02,"layer_norm_eps":1e-12,
"pad_token_id":0}"#;
