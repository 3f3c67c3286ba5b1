//! Exact rounding of a quotient of whole numbers: the one place where tax and currency conversion
//! drop the fraction of a minor unit.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a fraction of a minor unit is rounded. All values rounded here are ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RoundingMode {
    /// Halves go up (away from zero): 2.5 → 3, 3.5 → 4. What shops and most tax offices use
    /// ("kaufmännisch runden").
    #[default]
    HalfUp,
    /// Halves go to the even neighbour ("banker's rounding"): 2.5 → 2, 3.5 → 4.
    HalfEven,
}

/// `numerator / denominator` rounded to a whole number with `mode`.
///
/// # Panics
/// If `denominator` is 0 (a programming error: every caller divides by a positive constant or a
/// positive rate).
pub fn round_div(numerator: u128, denominator: u128, mode: RoundingMode) -> u128 {
    assert!(denominator > 0, "round_div by zero");
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // remainder < denominator, so `denominator - remainder` cannot underflow and the comparison
    // with the other half needs no `2 * remainder`, which could overflow.
    let rest = denominator - remainder;
    let up = match mode {
        RoundingMode::HalfUp => remainder >= rest,
        RoundingMode::HalfEven => remainder > rest || (remainder == rest && quotient % 2 == 1),
    };
    // When rounding up, denominator ≥ 2, so quotient ≤ u128::MAX / 2: no overflow.
    if up {
        quotient + 1
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use RoundingMode::{HalfEven, HalfUp};

    #[test]
    fn rounds_below_at_and_above_the_half() {
        // 7 / 4 = 1.75, 5 / 4 = 1.25, 6 / 4 = 1.5, 10 / 4 = 2.5
        assert_eq!(round_div(7, 4, HalfUp), 2);
        assert_eq!(round_div(5, 4, HalfUp), 1);
        assert_eq!(round_div(6, 4, HalfUp), 2);
        assert_eq!(round_div(10, 4, HalfUp), 3);
        assert_eq!(round_div(7, 4, HalfEven), 2);
        assert_eq!(round_div(5, 4, HalfEven), 1);
        assert_eq!(round_div(6, 4, HalfEven), 2, "1.5 goes to the even 2");
        assert_eq!(round_div(10, 4, HalfEven), 2, "2.5 goes to the even 2");
        assert_eq!(round_div(14, 4, HalfEven), 4, "3.5 goes to the even 4");
        // Odd denominators have no exact half: 1/3 and 2/3.
        assert_eq!(round_div(1, 3, HalfUp), 0);
        assert_eq!(round_div(2, 3, HalfEven), 1);
        assert_eq!(round_div(0, 7, HalfUp), 0);
        assert_eq!(round_div(12, 4, HalfEven), 3, "exact quotients are left alone");
    }

    #[test]
    fn works_at_the_edges_of_u128() {
        assert_eq!(round_div(u128::MAX, 1, HalfUp), u128::MAX);
        assert_eq!(round_div(u128::MAX, u128::MAX, HalfEven), 1);
        // u128::MAX = 2 × (u128::MAX / 2) + 1: exactly x.5.
        assert_eq!(round_div(u128::MAX, 2, HalfUp), u128::MAX / 2 + 1);
        assert_eq!(round_div(u128::MAX, 2, HalfEven), u128::MAX / 2 + 1, "u128::MAX / 2 is odd");
        assert_eq!(round_div(u128::MAX - 1, u128::MAX, HalfUp), 1);
        assert_eq!(round_div(u128::MAX / 2, u128::MAX, HalfUp), 0, "just under a half");
    }

    #[test]
    #[should_panic(expected = "round_div by zero")]
    fn refuses_a_zero_denominator() {
        round_div(1, 0, HalfUp);
    }

    proptest! {
        /// The result is a nearest whole number: |n/d − r| ≤ 1/2, i.e. |n − r·d| ≤ d/2, and the
        /// two modes differ only on exact halves.
        #[test]
        fn is_a_nearest_integer(n in 0u128..1u128 << 100, d in 1u128..1u128 << 60) {
            for mode in [HalfUp, HalfEven] {
                let r = round_div(n, d, mode);
                let diff = (n as i128 - (r * d) as i128).unsigned_abs();
                prop_assert!(2 * diff <= d, "{n}/{d} -> {r}");
            }
            if 2 * (n % d) != d {
                prop_assert_eq!(round_div(n, d, HalfUp), round_div(n, d, HalfEven));
            }
        }
    }
}
