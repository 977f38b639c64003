//! The password policy and argon2id password hashes (OWASP ASVS L2, DOMAIN.md §6).
//!
//! Hashes are PHC strings made with argon2id, version 0x13, 19 MiB of memory,
//! two passes and one lane, with a fresh 16-byte salt from the operating
//! system. Each call takes tens of milliseconds of CPU: run it as a blocking
//! task. Storing the hash is left to `store`.
//!
//! [`verify`] accepts any well-formed argon2id hash, including one made with
//! weaker parameters than today's, rather than locking its owner out; after a
//! successful sign-in, [`needs_rehash`] tells the caller to store a new hash
//! made with the current parameters. Refusing weak hashes would gain nothing:
//! someone able to write a weak hash into the store could as well write a strong
//! hash of a password they know. What `verify` does refuse is a hash asking for
//! absurd costs (see [`MAX_M_COST_KIB`]), so one corrupt record cannot make a
//! sign-in exhaust the server's memory.
//!
//! Passwords are taken as typed: never trimmed, truncated or case-folded, and any
//! Unicode is allowed. They are not Unicode-normalized either, so a password
//! typed with a composed "é" does not match one typed with "e" and a combining
//! accent; browsers and keyboards almost always send the composed form.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::auth::token;

/// The fewest characters (Unicode scalar values) a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a password may have; long passphrases are welcome, but
/// the limit keeps one request from feeding megabytes to the hasher.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Argon2 memory cost in KiB (19 MiB, the OWASP minimum for argon2id).
pub const M_COST_KIB: u32 = 19 * 1024;

/// Argon2 passes over memory.
pub const T_COST: u32 = 2;

/// Argon2 lanes.
pub const P_COST: u32 = 1;

/// The largest memory cost [`verify`] will run (256 MiB); a stored hash asking
/// for more is treated as corrupt.
pub const MAX_M_COST_KIB: u32 = 256 * 1024;

/// The most passes [`verify`] will run.
pub const MAX_T_COST: u32 = 16;

/// The most lanes [`verify`] will run.
pub const MAX_P_COST: u32 = 16;

/// Bytes of random salt in each hash.
pub const SALT_BYTES: usize = 16;

/// How many random characters [`generate`] picks (before the dashes).
pub const GENERATED_CHARS: usize = 20;

/// Characters of generated passwords: lower-case letters and digits without
/// `0`/`o`, `1`/`l` (and there are no capitals, so no `I`/`O`). Exactly 32 of
/// them, so each character carries 5 bits and picking one from a random byte
/// has no modulo bias.
const GENERATED_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A hash with the current parameters of a password no one has, verified
/// against when the account does not exist (see [`dummy_verify`]).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$aGVhcnRoLWR1bW15LXNsdA$KiLrvQ8uKowl3aIFUfdWH/BgOP1rC9D9QUZyXShiMIE";

/// Why a password was refused or could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error(
        "Use a password of at least {min} characters (this one has {got}); \
         a few unrelated words make a strong one that is easy to remember."
    )]
    TooShort {
        /// The minimum.
        min: usize,
        /// How many characters the password has.
        got: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("Use a password of at most {max} characters (this one has {got}).")]
    TooLong {
        /// The maximum.
        max: usize,
        /// How many characters the password has.
        got: usize,
    },
    /// Only spaces, tabs or line breaks.
    #[error(
        "A password cannot be only spaces; use at least 12 characters, \
         some of them other than spaces."
    )]
    Blank,
    /// The argon2 hasher failed (it should not with these parameters).
    #[error("The password could not be hashed ({0}); try again, and report it if it persists.")]
    Hash(argon2::password_hash::Error),
    /// The operating system's random number generator failed.
    #[error(
        "The system's random number generator failed ({0}); try again, and check the \
         host's entropy source if it keeps failing."
    )]
    Random(#[from] getrandom::Error),
}

/// Checks a new password against the policy: at least 12 and at most 1024
/// characters (counted as Unicode characters, not bytes), and not only
/// whitespace.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let got = password.chars().count();
    if got < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort {
            min: MIN_PASSWORD_CHARS,
            got,
        });
    }
    if got > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong {
            max: MAX_PASSWORD_CHARS,
            got,
        });
    }
    if password.chars().all(char::is_whitespace) {
        return Err(PasswordError::Blank);
    }
    Ok(())
}

/// Hashes a password into a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) with a new random salt.
///
/// This does not apply [`check_policy`]; call it first for new passwords.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt_bytes = token::random::<SALT_BYTES>()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(PasswordError::Hash)?;
    let hash = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(PasswordError::Hash)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string `phc`.
///
/// The comparison is constant-time (argon2's own). Anything but a well-formed
/// argon2id hash with sane parameters gives `false`, never a panic; weaker
/// parameters than today's are accepted (see the module docs and
/// [`needs_rehash`]).
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    // The verifier takes algorithm, version and parameters from the hash itself.
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash should be replaced with a new [`hash`] of the same
/// password (call it only after [`verify`] succeeded): it is not argon2id
/// version 0x13 with exactly today's parameters.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != M_COST_KIB
        || params.t_cost() != T_COST
        || params.p_cost() != P_COST
}

/// Verifies `password` against a hash of a password no one has, and throws the
/// answer away.
///
/// Call it when the email matches no account (or a disabled one), so that a
/// failed sign-in takes as long whether or not the account exists and the
/// timing does not reveal which emails are registered.
pub fn dummy_verify(password: &str) {
    std::hint::black_box(verify(password, DUMMY_HASH));
}

/// Generates a random password of 20 characters from an alphabet without
/// look-alikes, in groups of four for reading aloud or copying:
/// `xxxx-xxxx-xxxx-xxxx-xxxx` (24 characters with the dashes).
///
/// Each character carries 5 bits, 100 bits in all. Use it for first-time and
/// reset passwords an administrator hands over.
pub fn generate() -> Result<String, PasswordError> {
    let bytes = token::random::<GENERATED_CHARS>()?;
    let mut password = String::with_capacity(GENERATED_CHARS + GENERATED_CHARS / 4);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            password.push('-');
        }
        password.push(char::from(GENERATED_ALPHABET[usize::from(byte & 31)]));
    }
    Ok(password)
}

/// The hasher with the policy's parameters.
fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| PasswordError::Hash(e.into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn policy_boundaries() {
        assert!(matches!(
            check_policy("abcdefghijk"),
            Err(PasswordError::TooShort { min: 12, got: 11 })
        ));
        assert!(check_policy("abcdefghijkl").is_ok());
        assert!(matches!(
            check_policy(""),
            Err(PasswordError::TooShort { .. })
        ));
        let longest = "a".repeat(MAX_PASSWORD_CHARS);
        assert!(check_policy(&longest).is_ok());
        assert!(matches!(
            check_policy(&format!("{longest}a")),
            Err(PasswordError::TooLong {
                max: 1024,
                got: 1025
            })
        ));
    }

    #[test]
    fn policy_counts_unicode_characters_not_bytes() {
        // 11 characters but 22 bytes: still too short.
        let eleven = "ééééééééééé";
        assert_eq!(eleven.len(), 22);
        assert!(matches!(
            check_policy(eleven),
            Err(PasswordError::TooShort { got: 11, .. })
        ));
        assert!(check_policy("日本語のパスワードです。").is_ok());
        // 1024 four-byte characters are allowed.
        assert!(check_policy(&"🔑".repeat(MAX_PASSWORD_CHARS)).is_ok());
    }

    #[test]
    fn policy_refuses_only_whitespace_but_allows_spaces() {
        assert!(matches!(
            check_policy(&" ".repeat(12)),
            Err(PasswordError::Blank)
        ));
        assert!(matches!(
            check_policy(" \t\n \u{a0}     \u{3000} "),
            Err(PasswordError::Blank)
        ));
        assert!(check_policy("correct horse battery").is_ok());
        // Leading and trailing spaces are kept and counted, never trimmed.
        assert!(check_policy("     abc     ").is_ok());
    }

    #[test]
    fn policy_messages_say_what_is_required() {
        let short = check_policy("hunter2").unwrap_err().to_string();
        assert!(short.contains("at least 12 characters"), "{short}");
        assert!(short.contains("has 7"), "{short}");
        let blank = check_policy(&" ".repeat(20)).unwrap_err().to_string();
        assert!(blank.contains("only spaces"), "{blank}");
    }

    /// Every argon2 run costs real time in debug builds, so this one test makes
    /// all of them: two hashes and four verifications.
    #[test]
    fn hash_and_verify() {
        let password = "correct horse battery staple";
        let first = hash(password).unwrap();
        let second = hash(password).unwrap();
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "each hash has its own salt");
        assert!(!needs_rehash(&first));
        assert!(verify(password, &first));
        assert!(!verify("correct horse battery stapler", &second));
        // The salt is 16 bytes: 22 unpadded base64 characters.
        let salt = first.split('$').nth(4).unwrap();
        assert_eq!(salt.len(), 22, "{first}");
        dummy_verify(password);
        // The dummy hash must be real, or dummy_verify would return at once and
        // the timing would again tell unknown emails apart.
        assert!(verify("no account has this password", DUMMY_HASH));
    }

    #[test]
    fn malformed_or_refused_hashes_never_verify() {
        let good = DUMMY_HASH;
        let cases = [
            String::new(),
            "not a hash".to_owned(),
            "$argon2id$".to_owned(),
            "$argon2id$v=19$m=19456,t=2,p=1$".to_owned(),
            good.replace("$argon2id$", "$argon2i$"),
            good.replace("$argon2id$", "$argon2d$"),
            good.replace("m=19456", "m=4194304"),
            good.replace("t=2", "t=100"),
            good.replace("$argon2id$", "$pbkdf2-sha256$"),
            good.replace("KiLrvQ", "KiL!vQ"),
            good[..good.len() - 10].to_owned(),
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_owned(),
        ];
        for phc in &cases {
            // All are refused before argon2's memory-hard part, so this is quick.
            assert!(!verify("no account has this password", phc), "{phc}");
        }
    }

    #[test]
    fn weaker_or_foreign_hashes_need_rehash() {
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(needs_rehash(&DUMMY_HASH.replace("m=19456", "m=4096")));
        assert!(needs_rehash(&DUMMY_HASH.replace("t=2", "t=1")));
        assert!(needs_rehash(&DUMMY_HASH.replace("$argon2id$", "$argon2i$")));
        assert!(needs_rehash(&DUMMY_HASH.replace("v=19", "v=16")));
        assert!(needs_rehash("garbage"));
    }

    #[test]
    fn dummy_hash_uses_the_policy_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (M_COST_KIB, T_COST, P_COST)
        );
        let salt_len = parsed.salt.unwrap().as_str().len();
        assert_eq!(salt_len, 22, "a 16-byte salt, like real hashes");
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_are_unique() {
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let password = generate().unwrap();
            check_policy(&password).unwrap();
            let groups: Vec<&str> = password.split('-').collect();
            assert_eq!(groups.len(), 5, "{password}");
            assert!(groups.iter().all(|g| g.len() == 4), "{password}");
            assert!(
                password
                    .bytes()
                    .all(|b| b == b'-' || GENERATED_ALPHABET.contains(&b)),
                "{password}"
            );
            assert!(
                !password.contains(['0', 'O', 'o', '1', 'l', 'I']),
                "{password}"
            );
            assert!(seen.insert(password));
        }
    }

    #[test]
    fn generated_alphabet_is_unambiguous_and_gives_100_bits() {
        let distinct: HashSet<&u8> = GENERATED_ALPHABET.iter().collect();
        assert_eq!(distinct.len(), 32);
        let bits = GENERATED_CHARS as f64 * (GENERATED_ALPHABET.len() as f64).log2();
        assert!(bits >= 90.0, "{bits}");
    }
}
