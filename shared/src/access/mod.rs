//! The access library: who is calling (the key), whether that key may do this (validity,
//! restrictions, plan, use case, role) and whether it has calls left (monthly quota, per-minute
//! window). Every authenticated route calls [`authorize`] first.

mod admit;
mod authorize;
pub mod ip_allow;
pub mod key_format;
pub mod key_record;
pub mod key_source;
pub mod quota;
pub mod rate_limit;

pub(crate) use admit::Sent;
pub use admit::{gate, Gate};
pub use authorize::{authorize, authorize_owned, Access, Addressed, Need, Owned};
pub use key_format::{ApiKey, Family};
pub use key_record::{KeyRecord, NewKey, Role, UseCase};
