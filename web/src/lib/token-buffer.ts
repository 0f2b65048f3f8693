/** Runs `callback` once the frame being rendered now has been rendered: a task posted from an animation-frame callback runs after that frame's style, layout and paint. */
export function afterRender(callback: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(undefined);
}

/**
 * The text of an answer as it streams in. Tokens are appended as they arrive; the view is told at
 * most once per animation frame (so a burst of tokens costs one Markdown render), and right away
 * on the frame after the first token.
 *
 * It records `tars:first-token` in the Performance timeline (detail: the label): from the moment
 * the network chunk holding the first token was read (`receivedAt` of append) to the end of the
 * animation frame in which the DOM was updated with it, i.e. after that frame's style, layout and
 * paint. Parsing the SSE, the Markdown render and the frame wait are all inside it.
 */
export class TokenBuffer {
  text = '';
  private view: ((text: string) => void) | undefined;
  private frame: number | undefined;
  private firstTokenAt: number | undefined;
  private measured = false;

  constructor(
    private readonly label: string,
    private readonly schedule: (callback: () => void) => number = (callback) => requestAnimationFrame(callback),
    private readonly cancel: (handle: number) => void = (handle) => cancelAnimationFrame(handle),
    private readonly rendered: (callback: () => void) => void = afterRender,
  ) {}

  /** `receivedAt`: performance.now() when the chunk holding this piece was read from the network. */
  append(piece: string, receivedAt: number = performance.now()): void {
    if (piece === '') return;
    if (this.firstTokenAt === undefined) this.firstTokenAt = receivedAt;
    this.text += piece;
    this.request();
  }

  /** Replaces the whole text (the final answer). */
  replace(text: string): void {
    this.text = text;
    this.request();
  }

  /** The element that shows the text; it gets the current text at once. */
  attach(view: ((text: string) => void) | undefined): void {
    this.view = view;
    if (view) this.flush(false);
  }

  dispose(): void {
    if (this.frame !== undefined) this.cancel(this.frame);
    this.frame = undefined;
    this.view = undefined;
  }

  private request(): void {
    if (this.frame !== undefined) return;
    this.frame = this.schedule(() => {
      this.frame = undefined;
      this.flush(true);
    });
  }

  /** `inFrame`: called from an animation-frame callback (the DOM change is rendered in this frame), else rendered in the next one. */
  private flush(inFrame: boolean): void {
    if (!this.view) return;
    this.view(this.text);
    if (this.measured || this.firstTokenAt === undefined || this.text === '') return;
    this.measured = true;
    const start = this.firstTokenAt;
    const measure = () => {
      try {
        performance.measure('tars:first-token', { start, end: performance.now(), detail: this.label });
      } catch {
        // an old browser without measure options: no measurement
      }
    };
    if (inFrame) this.rendered(measure);
    else this.schedule(() => this.rendered(measure));
  }
}
