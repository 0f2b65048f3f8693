import { useEffect, useRef, useState } from 'preact/hooks';
import { type ChatAnswer, type ChatStart, chatStream } from '../api/chat-stream';
import { api, describeError, type Schemas } from '../api/client';
import { MarkdownView } from '../components/markdown-view';
import { ErrorMessage, Loading, StateBadge } from '../components/ui';
import { formatRelative } from '../lib/format';
import { usePageTitle, useResource } from '../lib/hooks';
import { hrefFor, navigate } from '../lib/router';
import { TokenBuffer } from '../lib/token-buffer';
import { AnswerMeta, AnswerText } from './chat-answer';

type Turn = Schemas['TurnDto'];

/** One question asked in this page and its answer as it arrives. */
interface Exchange {
  key: number;
  question: string;
  buffer: TokenBuffer;
  status: 'waiting' | 'streaming' | 'done' | 'error' | 'stopped';
  start?: ChatStart;
  answer?: ChatAnswer;
  error?: string;
}

const QUESTION_MAX_CHARS = 8000;
let exchangeSeq = 0;

function ConversationList({ current, reloadKey, onPick, onNew }: { current?: string | undefined; reloadKey: number; onPick: () => void; onNew: () => void }) {
  const list = useResource((signal) => api.get('/memory/conversations', { query: { limit: 50 }, signal }), [reloadKey], 30_000);
  return (
    <nav class="conversation-list" aria-label="Conversations">
      <button type="button" class="primary new-conversation" onClick={onNew}>
        New conversation
      </button>
      <ErrorMessage error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && list.data.conversations.length === 0 && <p class="muted">No conversations yet.</p>}
      <ul>
        {list.data?.conversations.map((c) => (
          <li key={c.id}>
            <a
              href={hrefFor('chat', c.id)}
              aria-current={c.id === current ? 'page' : undefined}
              onClick={(event) => {
                if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                event.preventDefault();
                onPick();
                navigate(hrefFor('chat', c.id));
              }}
            >
              <span class="conversation-title">{c.title || 'Untitled'}</span>
              <span class="muted small">
                {c.turnCount} turns · {formatRelative(c.updatedAt)}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function HistoryTurn({ turn }: { turn: Turn }) {
  if (turn.role === 'user') {
    return (
      <div class="message user">
        <span class="visually-hidden">You asked:</span>
        <p class="plain-text">{turn.content}</p>
      </div>
    );
  }
  return (
    <div class="message assistant">
      <span class="visually-hidden">TARS answered:</span>
      <MarkdownView text={turn.content} />
    </div>
  );
}

function ExchangeView({ exchange, onGrow }: { exchange: Exchange; onGrow: () => void }) {
  const streaming = exchange.status === 'waiting' || exchange.status === 'streaming';
  return (
    <article class="exchange" aria-label={`Question: ${exchange.question.slice(0, 80)}`} data-status={exchange.status}>
      <div class="message user">
        <span class="visually-hidden">You asked:</span>
        <p class="plain-text">{exchange.question}</p>
      </div>
      <div class="message assistant">
        <span class="visually-hidden">TARS answers:</span>
        <AnswerText buffer={exchange.buffer} streaming={streaming} onGrow={onGrow} />
        {exchange.status === 'waiting' && (
          <p class="muted thinking" role="status">
            Thinking…
          </p>
        )}
        {exchange.status === 'stopped' && (
          <p role="status" class="stopped">
            <StateBadge state="stopped" /> You stopped this answer; what arrived is kept above.
          </p>
        )}
        {exchange.status === 'error' && <ErrorMessage error={`The answer failed: ${exchange.error ?? 'unknown error'}`} />}
        <AnswerMeta start={exchange.start} answer={exchange.answer} />
      </div>
    </article>
  );
}

/** Chat: conversations (memory layer 1) on the side, the selected one with answers streaming in. */
export function ChatPage({ id }: { id?: string | undefined }) {
  usePageTitle('Chat');
  const [history, setHistory] = useState<Turn[] | undefined>(undefined);
  const [historyError, setHistoryError] = useState<string | undefined>(undefined);
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [question, setQuestion] = useState('');
  const [busy, setBusy] = useState(false);
  const [listKey, setListKey] = useState(0);
  const [listOpen, setListOpen] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);
  /** The conversation this page started (its history is already on screen). */
  const started = useRef<string | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (id !== undefined && id === started.current) return undefined;
    controller.current?.abort();
    started.current = undefined;
    setExchanges((list) => {
      list.forEach((e) => e.buffer.dispose());
      return [];
    });
    setHistory(undefined);
    setHistoryError(undefined);
    if (!id) return undefined;
    const abort = new AbortController();
    api.get('/memory/conversations/{id}', { path: { id }, signal: abort.signal }).then(
      (conversation) => setHistory(conversation.turns),
      (err: unknown) => abort.signal.aborted || setHistoryError(describeError(err)),
    );
    return () => abort.abort();
  }, [id]);

  useEffect(() => () => controller.current?.abort(), []);

  const scrollToEnd = () => {
    const element = scroller.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  };
  useEffect(scrollToEnd, [exchanges, history]);

  async function ask(text: string): Promise<void> {
    const abort = new AbortController();
    controller.current = abort;
    const exchange: Exchange = { key: ++exchangeSeq, question: text, buffer: new TokenBuffer(`answer-${exchangeSeq}`), status: 'waiting' };
    const update = (patch: Partial<Exchange>) => {
      Object.assign(exchange, patch);
      setExchanges((list) => [...list]);
    };
    setExchanges((list) => [...list, exchange]);
    setBusy(true);
    stick.current = true;
    try {
      for await (const event of chatStream({ question: text, ...(id ? { conversationId: id } : {}) }, abort.signal)) {
        if (event.type === 'token') {
          exchange.buffer.append(event.text, event.receivedAt);
          if (exchange.status === 'waiting') update({ status: 'streaming' });
        } else if (event.type === 'start') {
          update({ start: event.start, status: 'streaming' });
          const conversationId = event.start.conversationId;
          if (!id && conversationId) {
            started.current = conversationId;
            navigate(hrefFor('chat', conversationId), { replace: true });
          }
        } else if (event.type === 'done') {
          exchange.buffer.replace(event.answer.answer);
          update({ answer: event.answer, status: 'done' });
        } else {
          update({ status: 'error', error: describeError(event.error) });
        }
      }
    } catch (err) {
      if (abort.signal.aborted) update({ status: 'stopped' });
      else update({ status: 'error', error: describeError(err) });
    } finally {
      if (controller.current === abort) controller.current = undefined;
      setBusy(false);
      setListKey((k) => k + 1);
    }
  }

  function startNew(): void {
    controller.current?.abort();
    setListOpen(false);
    if (id) navigate(hrefFor('chat'));
    else
      setExchanges((list) => {
        list.forEach((e) => e.buffer.dispose());
        return [];
      });
    document.getElementById('question')?.focus();
  }

  function submit(event: Event): void {
    event.preventDefault();
    const text = question.trim();
    if (!text || busy) return;
    setQuestion('');
    void ask(text);
  }

  return (
    <div class="chat-layout">
      <button type="button" class="conversations-toggle" aria-expanded={listOpen ? 'true' : 'false'} aria-controls="conversation-panel" onClick={() => setListOpen(!listOpen)}>
        Conversations
      </button>
      <aside id="conversation-panel" class={`chat-sidebar ${listOpen ? 'open' : ''}`}>
        <ConversationList current={id} reloadKey={listKey} onPick={() => setListOpen(false)} onNew={startNew} />
      </aside>
      <section class="chat-main" aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1} class="visually-hidden">
          Chat
        </h1>
        <div
          class="messages"
          ref={scroller}
          onScroll={(event) => {
            const element = event.currentTarget;
            stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
          }}
        >
          {historyError && <ErrorMessage error={historyError} />}
          {id && !history && !historyError && !started.current && <Loading label="Loading the conversation…" />}
          {history?.map((turn) => <HistoryTurn key={turn.id} turn={turn} />)}
          {exchanges.map((exchange) => (
            <ExchangeView key={exchange.key} exchange={exchange} onGrow={scrollToEnd} />
          ))}
          {!id && exchanges.length === 0 && (
            <div class="empty-chat">
              <p>Ask anything. TARS answers from its model and from what it remembers: your documents, notes, projects and earlier conversations.</p>
            </div>
          )}
        </div>
        <form class="composer" onSubmit={submit}>
          <label for="question" class="visually-hidden">
            Your question
          </label>
          <textarea
            id="question"
            name="question"
            rows={2}
            maxLength={QUESTION_MAX_CHARS}
            placeholder="Ask TARS… (Enter sends, Shift+Enter for a new line)"
            value={question}
            onInput={(event) => setQuestion(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) submit(event);
            }}
          />
          {busy ? (
            <button type="button" class="danger" onClick={() => controller.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="submit" class="primary" disabled={question.trim() === ''}>
              Send
            </button>
          )}
        </form>
      </section>
    </div>
  );
}
