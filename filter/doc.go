// Package filter owns subscription expressions: which messages of a topic a
// consumer group receives. It compiles an expression once and then matches
// records during a pull, in the two steps the store's pull offers:
// MatchTagsCode on the consume-queue unit's tag hash (no commit-log read),
// then MatchRecord on the raw record.
//
// # Expression types (RocketMQ's ExpressionType)
//
//   - TAG: "TagA || TagC"; "", "*" match every message. Matched by the tag
//     hash alone, as RocketMQ's broker does: hashes can collide, so clients
//     check the tag string again.
//   - SQL92: a boolean expression over the message's properties, RocketMQ's
//     grammar (its filter module), evaluated on the properties read in place
//     from the record.
//
// # SQL92 grammar
//
// From loosest to tightest binding:
//
//	or          and { OR and }
//	and         equality { AND equality }
//	equality    comparison { ( "=" | "<>" ) comparison | IS [NOT] NULL }
//	comparison  unary { ( ">" | ">=" | "<" | "<=" ) unary
//	                  | [NOT] BETWEEN unary AND unary
//	                  | [NOT] IN "(" string { "," string } ")"
//	                  | [NOT] ( CONTAINS | STARTSWITH | ENDSWITH ) string }
//	unary       "+" unary | "-" unary | NOT unary | primary
//	primary     literal | property | "(" or ")"
//
// Literals are 'strings' (a quote doubled inside), longs (123, 123L), doubles
// (1.5, .5, 5., 1e3) and TRUE, FALSE, NULL. Keywords are case-insensitive;
// property names ([a-z_$][a-z0-9_$]*) are not. The message's tags are the
// property TAGS. Comments (-- to the end of the line, /* */) are skipped. As
// in RocketMQ, NOT binds tighter than a comparison: NOT (a > 5), not
// NOT a > 5.
//
// Checks made when compiling, as RocketMQ makes them: only numbers and
// non-boolean expressions can be ordered (< <= > >=, BETWEEN), NULL cannot
// be compared with = or <> (use IS NULL), a BETWEEN's low bound must not
// exceed its high bound, IN applies to a property, and AND, OR, NOT and the
// whole expression need boolean operands (a bare property counts as one).
//
// # SQL92 semantics
//
// Property values are strings. Evaluation is three-valued: a missing
// property is NULL, and any comparison with NULL is NULL (not TRUE), which
// NOT keeps and AND / OR resolve as SQL does; a message matches only when
// the expression is TRUE. A string compared with a number is read as a
// number of the other side's kind (a long for 5, a double for 5.0); a
// string that does not read as one is an evaluation error. Two strings are
// equal only byte for byte, and are ordered only when both read as doubles.
// A string compared with TRUE or FALSE is true when it is "true" in any
// case. CONTAINS, STARTSWITH and ENDSWITH (and their NOT forms) are FALSE
// for a missing property or an empty search string. An evaluation error
// means "not matched", as in RocketMQ.
//
// Where RocketMQ's Java evaluator is inconsistent, this package is
// consistent instead: = and <> are NULL when either side is NULL (Java gives
// FALSE or TRUE depending on the side), integer literals are longs
// (Java reads a property compared with a literal that fits 32 bits as an
// int, failing beyond), TRUE = a converts a as a = TRUE does (Java throws),
// and 0.0 is a valid literal (Java refuses doubles below its MIN_VALUE).
//
// # Limits
//
// An expression is at most MaxExpressionLength bytes, and nests parentheses
// and unary operators at most 200 deep, so that a remote client cannot make
// the broker recurse without bound.
//
// # Concurrency
//
// A compiled Filter is immutable and safe for concurrent use by any number
// of pulls; so is a Cache.
package filter
