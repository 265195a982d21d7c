//! A quantile sketch of bounded size: a histogram on a logarithmic grid, for columns
//! that have outgrown their exact buffer (see [`super::Sample`]).
//!
//! A value's bucket is read off its IEEE-754 bits: the exponent and the top
//! [`MANTISSA_BITS`] bits of the mantissa, i.e. 2^7 = 128 buckets per power of two. A
//! bucket spans at most 1/128 of its lower end, so its midpoint is within
//! [`RELATIVE_ERROR`] = 1/256 ≈ 0.39 % of every value in it. Negative values go to a
//! second histogram by magnitude, and zeros are counted apart. Only integer operations on
//! the bits decide buckets, so the sketch is the same on every platform and for every
//! thread count, given the values in the same order.
//!
//! Each sign keeps at most [`MAX_BUCKETS`] buckets (32 powers of two): when its values
//! spread wider, the buckets of the smallest magnitudes merge into the lowest one kept.
//! Quantiles whose values are within a factor 2^32 of the largest magnitude of their sign
//! keep the error bound; smaller ones are only bounded by the exact minimum and maximum.
//! So memory is at most 2 × [`MAX_BUCKETS`] counts (64 KB), however many values are
//! added; a column whose values span a few powers of two holds a few hundred.

/// Mantissa bits that pick a bucket within a power of two.
pub const MANTISSA_BITS: u32 = 7;
/// Largest relative error of a bucket's midpoint against any value in it: 2^-(bits+1).
pub const RELATIVE_ERROR: f64 = 1.0 / 256.0;
/// Most buckets kept per sign.
pub const MAX_BUCKETS: usize = 4096;

/// Bits below the bucket index in an `f64`'s bit pattern.
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// The bucket of a positive magnitude: larger magnitudes have larger indices.
fn bucket_of(magnitude: f64) -> u64 {
    magnitude.to_bits() >> SHIFT
}

/// The midpoint of a bucket.
fn midpoint(bucket: u64) -> f64 {
    let low = f64::from_bits(bucket << SHIFT);
    let high = f64::from_bits((bucket + 1) << SHIFT);
    low + (high - low) / 2.0
}

/// Counts of a contiguous range of buckets of one sign, at most [`MAX_BUCKETS`] long.
#[derive(Debug, Clone, Default, PartialEq)]
struct Buckets {
    /// The bucket index of `counts[0]`.
    first: u64,
    counts: Vec<u64>,
    total: u64,
}

impl Buckets {
    #[inline]
    fn add(&mut self, bucket: u64) {
        self.total += 1;
        // Below `first`, the offset wraps to a huge number: not in range either.
        match self
            .counts
            .get_mut(bucket.wrapping_sub(self.first) as usize)
        {
            Some(count) => *count += 1,
            None => self.add_out_of_range(bucket),
        }
    }

    /// Adds a bucket outside the range kept: widens it, merging the smallest magnitudes
    /// when it would exceed [`MAX_BUCKETS`].
    fn add_out_of_range(&mut self, bucket: u64) {
        if self.counts.is_empty() {
            self.first = bucket;
            self.counts.push(1);
            return;
        }
        let last = self.first + self.counts.len() as u64 - 1;
        if bucket > last {
            let first = self
                .first
                .max((bucket + 1).saturating_sub(MAX_BUCKETS as u64));
            if first > self.first {
                // Merge the smallest magnitudes into the lowest bucket kept.
                let dropped = ((first - self.first) as usize).min(self.counts.len());
                let merged: u64 = self.counts.drain(..dropped).sum();
                if self.counts.is_empty() {
                    self.counts.push(0);
                }
                self.counts[0] += merged;
                self.first = first;
            }
            let len = (bucket - self.first + 1) as usize;
            self.reserve(len);
            self.counts.resize(len, 0);
        } else {
            let lowest = bucket.max((last + 1).saturating_sub(MAX_BUCKETS as u64));
            let grow = (self.first - lowest) as usize;
            self.reserve(self.counts.len() + grow);
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = lowest;
        }
        // A bucket below the range kept counts in its lowest bucket.
        let index = bucket.max(self.first) - self.first;
        self.counts[index as usize] += 1;
    }

    /// Makes room for `len` counts, doubling but never beyond [`MAX_BUCKETS`].
    fn reserve(&mut self, len: usize) {
        let capacity = self.counts.capacity();
        if len > capacity {
            let target = (2 * capacity).max(len).min(MAX_BUCKETS);
            self.counts.reserve_exact(target - self.counts.len());
        }
    }

    /// The bucket holding the `rank`-th smallest magnitude (from 0); `rank < total`.
    fn bucket_at(&self, rank: u64) -> u64 {
        let mut seen = 0;
        for (offset, &count) in self.counts.iter().enumerate() {
            seen += count;
            if rank < seen {
                return self.first + offset as u64;
            }
        }
        self.first + self.counts.len() as u64 - 1
    }
}

/// A bounded-size summary of a stream of finite values that answers order statistics to
/// within [`RELATIVE_ERROR`]; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuantileSketch {
    negative: Buckets,
    zeros: u64,
    positive: Buckets,
}

impl QuantileSketch {
    /// Adds a finite value (NaN and infinities are the caller's to keep out).
    pub fn push(&mut self, value: f64) {
        if value > 0.0 {
            self.positive.add(bucket_of(value));
        } else if value < 0.0 {
            self.negative.add(bucket_of(-value));
        } else {
            self.zeros += 1;
        }
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.negative.total + self.zeros + self.positive.total
    }

    /// The estimate of the `rank`-th smallest value (from 0); NaN when `rank` is not
    /// below the count.
    pub fn order_statistic(&self, rank: u64) -> f64 {
        if rank >= self.count() {
            return f64::NAN;
        }
        let negatives = self.negative.total;
        if rank < negatives {
            // The most negative value has the largest magnitude.
            return -midpoint(self.negative.bucket_at(negatives - 1 - rank));
        }
        let rank = rank - negatives;
        if rank < self.zeros {
            return 0.0;
        }
        midpoint(self.positive.bucket_at(rank - self.zeros))
    }

    /// Memory held by the counts, in bytes.
    pub fn heap_bytes(&self) -> usize {
        (self.negative.counts.capacity() + self.positive.counts.capacity())
            * std::mem::size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistics_are_within_the_relative_error() {
        let mut sketch = QuantileSketch::default();
        // Mixed signs, zeros and three and a half orders of magnitude.
        let mut values: Vec<f64> = (1..=4000)
            .map(|i| {
                let magnitude = 1e-2 * 1.002_f64.powi(i);
                if i % 7 == 0 {
                    -magnitude
                } else if i % 11 == 0 {
                    0.0
                } else {
                    magnitude
                }
            })
            .collect();
        for &value in &values {
            sketch.push(value);
        }
        values.sort_by(f64::total_cmp);
        assert_eq!(sketch.count(), values.len() as u64);
        for (rank, &exact) in values.iter().enumerate() {
            let estimate = sketch.order_statistic(rank as u64);
            assert!(
                (estimate - exact).abs() <= RELATIVE_ERROR * exact.abs(),
                "rank {rank}: {estimate} vs {exact}"
            );
        }
        assert!(sketch.order_statistic(values.len() as u64).is_nan());
    }

    #[test]
    fn bucket_midpoints_bound_the_error_at_both_ends_of_a_bucket() {
        for value in [1.0, 1.0 + 1.0 / 128.0 - 1e-12, 3.0e-300, 7.5e12] {
            let estimate = midpoint(bucket_of(value));
            assert!(
                (estimate - value).abs() <= RELATIVE_ERROR * value,
                "{value}"
            );
        }
    }

    #[test]
    fn memory_stays_bounded_and_the_smallest_magnitudes_merge() {
        let mut sketch = QuantileSketch::default();
        // 60 powers of two of spread, far beyond the 32 kept.
        for i in 0..100_000 {
            sketch.push(2.0_f64.powf(f64::from(i % 600) / 10.0 - 30.0));
        }
        assert!(sketch.heap_bytes() <= MAX_BUCKETS * 8);
        assert_eq!(sketch.positive.counts.len(), MAX_BUCKETS);
        assert_eq!(sketch.count(), 100_000);
        // The top quantiles, within 2^32 of the largest value, keep their accuracy.
        let largest = 2.0_f64.powf(59.9 - 30.0);
        let top = sketch.order_statistic(99_999);
        assert!((top - largest).abs() <= RELATIVE_ERROR * largest);
        // Growing downward past the limit also merges instead of growing.
        sketch.push(1e-200);
        assert_eq!(sketch.positive.counts.len(), MAX_BUCKETS);
        assert_eq!(sketch.count(), 100_001);
    }
}
