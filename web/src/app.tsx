import { useEffect, useRef, useState } from 'preact/hooks';
import { session } from './api/session';
import { Link } from './components/ui';
import { hrefFor, navigate, type Route, useRoute } from './lib/router';
import { ChatPage } from './pages/chat';
import { ClusterPage } from './pages/cluster';
import { DocumentsPage } from './pages/documents';
import { MemorySearchPage } from './pages/memory-search';
import { ProjectsPage } from './pages/projects';
import { QuestionStatsPage } from './pages/question-stats';
import { QuestionsPage } from './pages/questions';
import { SignInPage } from './pages/sign-in';

const NAV: Array<{ page: 'chat' | 'documents' | 'memory' | 'projects' | 'questions' | 'stats' | 'cluster'; label: string }> = [
  { page: 'chat', label: 'Chat' },
  { page: 'documents', label: 'Documents' },
  { page: 'memory', label: 'Memory' },
  { page: 'projects', label: 'Projects' },
  { page: 'questions', label: 'Questions' },
  { page: 'stats', label: 'Statistics' },
  { page: 'cluster', label: 'Cluster' },
];

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(() => session.key !== undefined);
  useEffect(() => session.subscribe(() => setSignedIn(session.key !== undefined)), []);
  return signedIn;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'chat':
      return <ChatPage id={route.id} />;
    case 'documents':
      return <DocumentsPage />;
    case 'memory':
      return <MemorySearchPage />;
    case 'projects':
      return <ProjectsPage id={route.id} />;
    case 'questions':
      return <QuestionsPage id={route.id} />;
    case 'stats':
      return <QuestionStatsPage />;
    case 'cluster':
      return <ClusterPage />;
    case 'not-found':
      return (
        <div class="page">
          <h1 id="page-title" tabIndex={-1}>
            Page not found
          </h1>
          <p>
            Nothing here at <code>{route.path}</code>. <Link href={hrefFor('chat')}>Go to the chat</Link>.
          </p>
        </div>
      );
  }
}

/** The UI: sign-in until a key is given, then the pages with the main navigation. */
export function App() {
  const signedIn = useSignedIn();
  const route = useRoute();
  const first = useRef(true);

  useEffect(() => {
    if (location.pathname === '/' || location.pathname === '/ui' || location.pathname === '/ui/') navigate(hrefFor('chat'), { replace: true });
  }, []);

  // After a navigation, focus the new page's heading so that screen readers announce it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus({ preventScroll: false });
  }, [route.page]);

  if (!signedIn) return <SignInPage />;
  return (
    <div class="app">
      <a href="#main" class="skip-link">
        Skip to content
      </a>
      <header class="topbar">
        <Link href={hrefFor('chat')} class="brand">
          TARS
        </Link>
        <nav aria-label="Main" class="main-nav">
          <ul>
            {NAV.map(({ page, label }) => (
              <li key={page}>
                <Link href={hrefFor(page)} current={route.page === page}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="sign-out" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}
