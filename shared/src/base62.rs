//! Base62 in ASCII order (0-9, A-Z, a-z), so fixed-width encodings sort like the numbers they hold.

/// The 62 digits, in ASCII order.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Encodes `value` in exactly `width` digits (most significant first); high digits beyond the
/// width are dropped, so callers pick a width that holds their largest value.
pub fn encode_fixed(mut value: u128, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// Decodes a base62 string; `None` for a character outside the alphabet or an overflow.
pub fn decode(text: &str) -> Option<u128> {
    text.bytes().try_fold(0u128, |acc, byte| {
        let digit = digit_value(byte)?;
        acc.checked_mul(62)?.checked_add(u128::from(digit))
    })
}

/// True when every character is a base62 digit.
pub fn is_base62(text: &str) -> bool {
    text.bytes().all(|b| digit_value(b).is_some())
}

fn digit_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'Z' => Some(byte - b'A' + 10),
        b'a'..=b'z' => Some(byte - b'a' + 36),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_order() {
        let a = encode_fixed(12345, 22);
        let b = encode_fixed(u128::MAX / 3, 22);
        assert_eq!(decode(&a), Some(12345));
        assert_eq!(decode(&b), Some(u128::MAX / 3));
        assert!(a < b, "fixed-width base62 sorts numerically");
        assert_eq!(encode_fixed(u128::MAX, 22).len(), 22);
    }

    #[test]
    fn refuses_foreign_characters() {
        assert_eq!(decode("ab-c"), None);
        assert!(!is_base62("a_b"));
    }
}
