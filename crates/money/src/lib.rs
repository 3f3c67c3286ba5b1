//! Money and the sale model: exact amounts and currencies, sale statuses, order ids and text
//! limits, and what a gateway said about a sale. No I/O: everything else builds on these types.

pub mod amount;
pub mod clock;
pub mod fx;
pub mod order;
pub mod outcome;
pub mod rounding;
pub mod status;
pub mod tax;

pub use amount::{parse_amount, parse_decimal, Amount, Currency, DecimalStyle, MoneyError, MAX_MAJOR_UNITS};
pub use outcome::{CreatedInvoice, FoundInvoice, StatusReport};
pub use status::InvoiceStatus;
