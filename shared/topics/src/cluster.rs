//! Average-linkage agglomerative clustering (UPGMA) by the nearest-neighbour chain: O(n²) time and
//! one n×n distance matrix (n is capped by the caller), deterministic for a given input order.

/// One merge of the dendrogram: the clusters holding units `a` and `b` joined at `height`
/// (the average distance between their members).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    pub a: usize,
    pub b: usize,
    pub height: f32,
}

/// Builds the full dendrogram of `n` points from a symmetric distance matrix (row-major n×n,
/// consumed as the working matrix). Merges are returned sorted by height; average linkage has no
/// inversions, so cutting at any height means applying the merges below it.
pub fn average_linkage(n: usize, mut dist: Vec<f32>) -> Vec<Merge> {
    assert_eq!(dist.len(), n * n, "distance matrix must be n×n");
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut remaining = n;
    let mut chain: Vec<usize> = Vec::new();
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    while remaining > 1 {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("an active cluster"));
        }
        let a = *chain.last().expect("non-empty chain");
        let prev = if chain.len() > 1 { Some(chain[chain.len() - 2]) } else { None };
        // Nearest active neighbour; on a tie keep the previous chain element, which is what
        // guarantees the chain ends in a reciprocal pair.
        let mut best = prev.unwrap_or(usize::MAX);
        let mut best_d = prev.map_or(f32::INFINITY, |p| dist[a * n + p]);
        for k in 0..n {
            if k != a && active[k] && dist[a * n + k] < best_d {
                best = k;
                best_d = dist[a * n + k];
            }
        }
        if Some(best) == prev {
            chain.pop();
            chain.pop();
            let b = best;
            let (sa, sb) = (size[a] as f32, size[b] as f32);
            for k in 0..n {
                if active[k] && k != a && k != b {
                    let d = (sa * dist[a * n + k] + sb * dist[b * n + k]) / (sa + sb);
                    dist[a * n + k] = d;
                    dist[k * n + a] = d;
                }
            }
            size[a] += size[b];
            active[b] = false;
            remaining -= 1;
            merges.push(Merge { a, b, height: best_d });
        } else {
            chain.push(best);
        }
    }
    merges.sort_by(|x, y| x.height.total_cmp(&y.height));
    merges
}

/// Cluster label of every point after applying the merges up to `height` (inclusive). Labels are
/// 0.. in order of each cluster's first point.
pub fn cut(n: usize, merges: &[Merge], height: f32) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for m in merges.iter().take_while(|m| m.height <= height) {
        let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut label_of_root = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = find(&mut parent, i);
            if label_of_root[r] == usize::MAX {
                label_of_root[r] = next;
                next += 1;
            }
            label_of_root[r]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(points: &[(f32, f32)]) -> Vec<f32> {
        let n = points.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let (dx, dy) = (points[i].0 - points[j].0, points[i].1 - points[j].1);
                d[i * n + j] = (dx * dx + dy * dy).sqrt();
            }
        }
        d
    }

    #[test]
    fn finds_separated_groups() {
        let pts = [(0.0, 0.0), (10.0, 10.0), (0.1, 0.2), (10.2, 9.9), (0.2, 0.0), (20.0, 0.0)];
        let merges = average_linkage(pts.len(), matrix(&pts));
        assert_eq!(merges.len(), pts.len() - 1);
        assert!(merges.windows(2).all(|w| w[0].height <= w[1].height));
        assert_eq!(cut(pts.len(), &merges, 1.0), vec![0, 1, 0, 1, 0, 2]);
        assert_eq!(cut(pts.len(), &merges, 0.0), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(cut(pts.len(), &merges, 100.0), vec![0; 6]);
    }

    #[test]
    fn merge_height_is_the_average_distance() {
        // 0 and 1 at distance 1; 2 at distance 4 and 5 from them: joins at the average, 4.5.
        let pts = [(0.0, 0.0), (1.0, 0.0), (4.0, 0.0)];
        let mut d = matrix(&pts);
        d[2 * 3] = 4.0;
        d[2] = 4.0;
        d[2 * 3 + 1] = 5.0;
        d[3 + 2] = 5.0;
        let merges = average_linkage(3, d);
        assert_eq!(merges[0].height, 1.0);
        assert_eq!(merges[1].height, 4.5);
    }
}
