/** The one error the condition parser throws. */

/**
 * A condition, skill expression or order that does not parse. The message names the position (1-based, in
 * characters of the text) and what was expected there; the server answers it with
 * `Error_find_condition_or_order_failed` (or `Error_view_definition_invalid` for a snapshot).
 */
export class ConditionParseError extends Error {
  override readonly name = 'ConditionParseError';
  /**
   * @param message - the whole message, position included
   * @param position - 1-based position of the offending character (text length + 1 for the end of the text)
   * @param expected - what the parser expected there
   * @param found - what it found (a short quote of the text, or "end of input")
   */
  constructor(
    message: string,
    readonly position: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(message);
  }
}
