//! The method's parameters. Defaults were tuned on two fixture surveys of different domains and
//! checked across them (each tuned on one, scored on the other); none of them is about a domain.

/// Parameters of topic discovery and assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Units at least this close (cosine) to a generic answer ("great", "meh") are ignored.
    pub generic_max: f32,
    /// Weight of the model's cosine in a similarity; the rest is TF-IDF cosine.
    pub model_weight: f32,
    /// Dendrogram cut: clusters join while their average distance (1 − similarity) is below.
    pub cut_height: f32,
    /// A topic needs at least this many responses…
    pub min_responses: usize,
    /// …and at least this share of the sample.
    pub min_share: f32,
    /// Most topics kept per survey.
    pub max_topics: usize,
    /// Similarity a clause needs to get a topic (the floor of every topic's threshold).
    pub assign_threshold: f32,
    /// A topic's own threshold: this fraction of its members' mean similarity to its centre
    /// (tight topics ask more, broad ones less); 0 leaves only `assign_threshold`.
    pub relative_threshold: f32,
    /// Topics one clause can get: a clause is usually about one thing, so it gets its nearest
    /// topic (and the next ones only when within `unit_margin` of it).
    pub unit_topics: usize,
    pub unit_margin: f32,
    /// Prototypes: sub-clusters of a topic cut at this tighter height (0: none), with at least
    /// `proto_min` clauses, at most `max_prototypes` per topic.
    pub proto_height: f32,
    pub proto_min: usize,
    pub max_prototypes: usize,
    /// Score the whole text of a several-clause response too (else only its clauses).
    pub whole_text: bool,
    /// Clusters whose clauses are on average less close than this to their centre are dropped.
    pub min_cohesion: f32,
    /// Clusters whose centres are at least this close (model cosine) are one topic.
    pub merge_similarity: f32,
    /// Most topics one response gets.
    pub max_per_response: usize,
    /// Most clause units clustered (the most recent responses); bounds the n² distance matrix
    /// (2,000 units: 16 MB, about a second).
    pub max_units: usize,
    /// TF-IDF terms kept per topic.
    pub topic_terms: usize,
    /// A re-derived topic whose centre is at least this close to a previous topic takes its name.
    pub rename_similarity: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            generic_max: 0.6,
            model_weight: 0.7,
            cut_height: 0.8,
            min_responses: 3,
            min_share: 0.02,
            max_topics: 20,
            assign_threshold: 0.25,
            relative_threshold: 0.0,
            unit_topics: 4,
            unit_margin: 1.0,
            merge_similarity: 1.0,
            whole_text: true,
            min_cohesion: 0.0,
            proto_height: 0.0,
            proto_min: 2,
            max_prototypes: 8,
            max_per_response: 4,
            max_units: 2000,
            topic_terms: 40,
            rename_similarity: 0.8,
        }
    }
}
