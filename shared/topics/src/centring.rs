//! Sentence embeddings of one survey share a common direction: any two answers about the same
//! product stand at a cosine of 0.2–0.35 whatever they say, so an answer about one theme reaches
//! an unrelated theme's threshold on that shared part alone. Taking (a share of) the survey's mean
//! embedding off every vector before comparing leaves what tells answers apart.

/// The offset to take off a survey's vectors: `strength` times their mean (none when `strength`
/// is 0 or there are no vectors).
pub(crate) fn offset<'a>(vectors: impl Iterator<Item = &'a [f32]>, strength: f32) -> Vec<f32> {
    if strength <= 0.0 {
        return Vec::new();
    }
    let mut sum = vec![0.0f32; crate::embed::DIMS];
    let mut n = 0usize;
    for v in vectors {
        sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
        n += 1;
    }
    if n == 0 {
        return Vec::new();
    }
    sum.iter_mut().for_each(|s| *s *= strength / n as f32);
    sum
}

/// `v` with the offset taken off, L2-normalised again (`v` itself when there is no offset).
pub(crate) fn apply(v: &[f32], offset: &[f32]) -> Vec<f32> {
    if offset.len() != v.len() {
        return v.to_vec();
    }
    let mut out: Vec<f32> = v.iter().zip(offset).map(|(x, o)| x - o).collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    out.iter_mut().for_each(|x| *x /= norm);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{dot, DIMS};

    fn unit(parts: &[(usize, f32)]) -> Vec<f32> {
        let mut v = vec![0.0f32; DIMS];
        for &(i, x) in parts {
            v[i] = x;
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn what_all_vectors_share_stops_counting_as_likeness() {
        // Two unrelated answers that share the survey's common direction (axis 0).
        let (a, b) = (unit(&[(0, 0.6), (1, 0.8)]), unit(&[(0, 0.6), (2, 0.8)]));
        assert!(dot(&a, &b) > 0.3);
        let off = offset([a.as_slice(), b.as_slice()].into_iter(), 1.0);
        let (a2, b2) = (apply(&a, &off), apply(&b, &off));
        assert!(dot(&a2, &b2) < 0.0, "only what differs is left");
        assert!((dot(&a2, &a2) - 1.0).abs() < 1e-5, "normalised");
        assert_eq!(apply(&a, &offset(std::iter::empty(), 1.0)), a, "no vectors: no offset");
        assert_eq!(apply(&a, &offset([a.as_slice()].into_iter(), 0.0)), a, "strength 0: no offset");
    }
}
