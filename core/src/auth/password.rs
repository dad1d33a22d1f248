//! Password hashing: Argon2id, stored as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//! Verification reads the cost from the stored string, so raising the cost later keeps old
//! hashes valid.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::{fill_random, AuthError, AuthResult};

/// An error of the Argon2 / PHC implementation (kept as is; those types implement
/// `std::error::Error` only with features that would pull in another random source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// A PHC string could not be parsed, or hashing failed.
    Phc(argon2::password_hash::Error),
    /// The cost parameters are out of Argon2's range.
    Params(argon2::Error),
}

impl std::fmt::Display for HashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HashError::Phc(e) => write!(f, "{e}"),
            HashError::Params(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HashError {}

fn phc_error(e: argon2::password_hash::Error) -> AuthError {
    AuthError::Hash(HashError::Phc(e))
}

/// Argon2id cost parameters for new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashCost {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashCost {
    /// The smallest cost Argon2 accepts. Only for tests: it protects nothing.
    pub const MINIMAL: HashCost = HashCost {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
}

/// Hashes `password` with Argon2id and a random 128-bit salt into a PHC string. Any password,
/// the empty one included, can be hashed.
pub fn hash_password(password: &str, cost: HashCost) -> AuthResult<String> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(phc_error)?;
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
        .map_err(|e| AuthError::Hash(HashError::Params(e)))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(phc_error)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc`. A string that is not an Argon2 PHC string
/// is an error, not a mismatch.
pub fn verify_password(password: &str, phc: &str) -> AuthResult<bool> {
    let parsed = PasswordHash::new(phc).map_err(phc_error)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(phc_error(e)),
    }
}
