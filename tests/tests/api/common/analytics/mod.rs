//! What the analytics tests share (`analytics/`): time, writing responses and topics (on past days
//! too), reading the routes, the tests' own totals, the day items of the surveys table, and random
//! responses from a seed.

mod day_items;
mod random;
mod reads;
mod time;
mod totals;
mod writing;

pub use day_items::*;
pub use random::*;
pub use reads::*;
pub use time::*;
pub use totals::*;
pub use writing::*;
