/** Bad or unknown user input, raised by any room: the CLI prints it as one line, the web UI next to the field. */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
