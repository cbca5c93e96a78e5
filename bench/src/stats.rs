//! A small log-linear latency histogram (about 1.6% relative precision, constant memory).

/// Sub-buckets per power of two: values are kept to 1/64 relative precision.
const SUB: u64 = 64;
/// Powers of two covered above the linear range (values up to 2^48 µs).
const RANGES: usize = 42;

/// A histogram of non-negative integer samples (microseconds in this crate).
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (SUB as usize) * (RANGES + 1)],
            total: 0,
            max: 0,
        }
    }
}

fn index_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    // v in [2^e, 2^(e+1)) with e >= 6: keep the top 7 bits.
    let e = 63 - u64::from(v.leading_zeros());
    let shift = e - 6;
    let range = (shift + 1) as usize;
    let sub = ((v >> shift) - SUB) as usize;
    (range * SUB as usize + sub).min(SUB as usize * (RANGES + 1) - 1)
}

fn value_of(index: usize) -> u64 {
    let sub_count = SUB as usize;
    if index < sub_count {
        return index as u64;
    }
    let range = index / sub_count;
    let sub = (index % sub_count) as u64;
    let shift = (range - 1) as u32;
    // Middle of the bucket.
    ((SUB + sub) << shift) + ((1u64 << shift) >> 1)
}

impl Histogram {
    /// Adds one sample.
    pub fn record(&mut self, v: u64) {
        self.counts[index_of(v)] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Largest sample.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// The value at percentile `p` (0-100); 0 when empty.
    pub fn percentile(&self, p: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return value_of(i).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_is_within_two_percent() {
        for v in [
            0u64,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            12_345,
            999_999,
            10_000_000_000,
        ] {
            let back = value_of(index_of(v));
            let err = (back as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err <= 0.02, "{v} -> {back}");
        }
    }

    #[test]
    fn percentiles() {
        let mut h = Histogram::default();
        for v in 1..=10_000 {
            h.record(v);
        }
        let p99 = h.percentile(99.0);
        assert!((9_700..=10_100).contains(&p99), "{p99}");
        assert_eq!(h.percentile(100.0), 10_000);
    }
}
