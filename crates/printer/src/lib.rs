//! The receipt printer: a receipt as ESC/POS bytes for 58 and 80 mm thermal printers (`encode`),
//! sending them to where shop printers live (`send`: a TCP port, a device file, an OS print queue),
//! and reading such bytes back (`decode`) for tests and a test print's preview.
//!
//! The receipt arrives as plain text (`Ticket`): this crate knows paper, columns and printer
//! commands, not sales, money or languages.

mod codepage;
pub mod decode;
mod encode;
mod error;
mod layout;
mod send;
mod ticket;
mod uri;

pub use encode::{drawer_kick, encode};
pub use error::PrintError;
pub use send::send;
pub use ticket::{test_ticket, Layout, PaperWidth, QrMode, Ticket, TicketRow, TicketTax, MAX_COPIES};
pub use uri::{PrinterUri, DEFAULT_TCP_PORT};
