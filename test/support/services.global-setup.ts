import { natsAnswers, NATS_URL, POSTGRES_ADMIN_URL, postgresAnswers } from './services.js';

/** Integration and e2e tests need the real PostgreSQL and NATS: say so clearly instead of failing obscurely. */
export default async function checkServices(): Promise<void> {
  const [pgProblem, natsProblem] = await Promise.all([postgresAnswers(), natsAnswers()]);
  const problems = [
    pgProblem && `PostgreSQL at ${POSTGRES_ADMIN_URL}: ${pgProblem}`,
    natsProblem && `NATS at ${NATS_URL}: ${natsProblem}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new Error(`integration tests need these services (bash .ci/run starts them):\n  ${problems.join('\n  ')}`);
  }
}
