// Deterministic, varied English documents for the ingestion and search-at-scale benchmarks:
// household manuals, trip reports, meeting minutes, recipes and the like, each a few paragraphs of
// one main topic with some sentences of another. Each topic has its own vocabulary, so a one-word
// query matches a few percent of the texts and a two-word query fewer.
import { seededRandom } from './notes-corpus.mjs';

const PEOPLE = ['Anna', 'Marc', 'Julie', 'Tom', 'Sofia', 'Paul', 'Léa', 'David', 'Nina', 'Omar', 'Ines', 'Karl', 'Mei', 'Rosa'];
const DAYS = ['on Monday', 'on Tuesday', 'on Wednesday', 'on Thursday', 'on Friday', 'on Saturday', 'next week', 'in March', 'in June', 'in October', 'before the holidays', 'at the end of the month'];
const PLACES = ['Lyon', 'Berlin', 'Geneva', 'Porto', 'Vienna', 'Oslo', 'Bologna', 'Ghent', 'the office', 'the cabin', 'the workshop', 'the town hall'];

const TOPICS = [
  {
    name: 'house',
    titles: ['Boiler and heating manual', 'Notes on the house', 'Plumbing repairs', 'Winter checklist for the house'],
    sentences: [
      'The boiler was serviced by {p} {d}; the technician replaced the pressure relief valve and cleaned the burner.',
      'If a radiator stays cold at the top, bleed it with the square key until water comes out, then check the boiler pressure.',
      'The pressure gauge should read between 1.2 and 1.5 bar when the heating is cold; top it up with the filling loop under the boiler.',
      'The kitchen tap drips because the ceramic cartridge is worn; the replacement part costs about {n} euros.',
      'Clean the gutters on the north side before the autumn rain, otherwise water runs down the wall and stains the plaster.',
      'The thermostat schedule keeps 19 degrees in the evening, 16 at night and frost protection when nobody is home.',
      'The plumber quoted {n} euros to replace the expansion vessel of the water heater and the corroded valves.',
      'Window seals in the bedroom let cold air in; new foam strips and a bead of silicone should fix the draught.',
      'Turn off the outside tap and drain the pipe before the first frost, or the pipe bursts behind the wall.',
      'The smoke alarms need new batteries every year; test each one by pressing the button for five seconds.',
    ],
  },
  {
    name: 'car',
    titles: ['Car maintenance log', 'Notes on the car', 'Winter tyres and service', 'Road trip preparation'],
    sentences: [
      'Tyre pressure should be 2.4 bar at the front and 2.2 bar at the rear, or 2.6 bar with a full load.',
      'The garage booked the car service {d}: oil change, new brake pads and a check of the timing belt.',
      'Winter tyres are stored at {l}; swap them when the temperature stays below seven degrees.',
      'The car insurance renews {d}; compare at least three quotes before accepting the new premium of {n} euros.',
      'A warning light for the coolant came on after the motorway drive; the reservoir was almost empty.',
      'The mechanic {p} said the clutch will last another year but the exhaust bracket is rusty.',
      'Keep the parking permit receipt in the glove box; the inspector asked for it twice last month.',
      'The windscreen wipers leave streaks; new blades of 600 and 450 millimetres fit this model.',
      'Fuel consumption was {n} litres per hundred kilometres on the last trip, higher than usual because of the roof box.',
    ],
  },
  {
    name: 'garden',
    titles: ['Garden journal', 'Vegetable plot plan', 'Compost and soil notes', 'Orchard care'],
    sentences: [
      'Tomato seedlings must be hardened off for a week before planting them out in the raised bed.',
      'Plant garlic and broad beans {d} while the soil is still warm and the slugs are quiet.',
      'The compost heap is too wet; add shredded cardboard and turn it with the fork every two weeks.',
      'Mow the lawn high during dry spells and water the hedge in the evening, not at noon.',
      'The apple tree needs pruning in winter: remove crossing branches, dead wood and the water shoots.',
      '{p} gave us cuttings of rosemary, thyme and lavender for the herb spiral near the kitchen door.',
      'Aphids are back on the roses; a spray of soapy water every three days keeps them down.',
      'The rain barrel holds {n} litres, enough for the vegetable beds for about ten days in summer.',
      'Sow carrots thinly in rows and cover them with fleece against the carrot fly.',
    ],
  },
  {
    name: 'health',
    titles: ['Health notes', 'Appointments and prescriptions', 'Training plan', 'Physiotherapy exercises'],
    sentences: [
      'The dentist appointment is {d} at half past nine; bring the insurance card and the referral letter.',
      'Renew the prescription for the allergy medication before the pharmacy closes for the weekend.',
      'The blood test results are normal; the doctor wants a follow-up examination in six months.',
      'The running plan has three easy runs a week, one long run on Sunday and a rest day on Monday.',
      'Physiotherapy for the knee continues every Thursday; do the stretching exercises twice a day.',
      'Sleep improved after moving the screens out of the bedroom and keeping the room at 18 degrees.',
      'The optician measured the eyes again; the new glasses cost {n} euros with the anti-reflective coating.',
      'Vaccination records are in the blue folder; the tetanus booster is due in two years.',
    ],
  },
  {
    name: 'travel',
    titles: ['Trip to {l}', 'Travel report', 'Itinerary and bookings', 'Packing and documents'],
    sentences: [
      'The flight to {l} leaves {d} at a quarter past seven; check in online the day before.',
      'The passport expires next year and the renewal at the town hall takes about six weeks.',
      'Pack chargers, plug adapters, a rain jacket, walking shoes and the travel insurance papers.',
      'The hotel in {l} is booked for three nights with breakfast, and a late checkout was requested.',
      'Train tickets to {l} are cheaper a month ahead; the rail card saves another third.',
      'The museum pass for two days costs {n} euros and includes the boat along the canals.',
      '{p} recommended a small restaurant near the station that serves fish soup and local wine.',
      'The return train was delayed by forty minutes; claim the partial refund on the website.',
    ],
  },
  {
    name: 'finance',
    titles: ['Household budget', 'Tax return notes', 'Invoices and payments', 'Savings plan'],
    sentences: [
      'The tax return is due {d}; gather the bank statements, the pension letters and the charity receipts.',
      'The monthly budget covers rent, groceries, electricity, internet, transport and a savings transfer of {n} euros.',
      'Invoice {n} from the electrician is still unpaid; send a reminder to {p} with the bank details.',
      'Move the emergency savings to the account with the better interest rate and no monthly fee.',
      'Cancel the unused streaming subscription before the next billing date on the fifth.',
      'The accountant suggested deducting the home office costs and the professional training.',
      'The mortgage rate is fixed for another four years; the bank will send an offer before it ends.',
      'Keep receipts for repairs over {n} euros for ten years in case the tax office asks.',
    ],
  },
  {
    name: 'work',
    titles: ['Meeting minutes', 'Project plan', 'Release notes', 'Postmortem of the outage'],
    sentences: [
      'In the meeting with {p} {d} we agreed to ship the release after the database migration is tested.',
      'The project plan is to finish the API review, then the load tests, then the deployment guide.',
      'The release checklist: run the tests, tag the version, update the changelog and announce it.',
      'The deployment failed because the migration timed out on the large table of {n} million rows.',
      'The one-to-one with {p} covered the on-call rota, the training budget and the hiring plan.',
      'The postmortem lists three follow-up actions: alerting on disk space, a runbook and a rollback test.',
      'The customer reported slow searches; the query plan showed a sequential scan on the orders table.',
      'The quarterly review is {d}; prepare the figures on latency, incidents and delivered features.',
    ],
  },
  {
    name: 'computers',
    titles: ['Home server setup', 'Backup procedure', 'Network notes', 'Scripts and tools'],
    sentences: [
      'The backup script runs every night with rsync to the NAS; check the log for errors every Monday.',
      'A Python script renames the photos by date using the EXIF timestamp and sorts them into folders.',
      'The server setup: install PostgreSQL, configure the firewall, enable automatic security updates.',
      'Use rebase for local branches and never force push to the main branch of the shared repository.',
      'The Raspberry Pi at {l} runs the home automation, the media server and the DNS filter.',
      'Renew the TLS certificate of the home server {d}; the renewal timer failed last time.',
      'The router gives fixed addresses to the printer, the NAS and the two laptops.',
      'The old laptop got a new SSD of {n} gigabytes and runs much faster with a fresh Debian install.',
    ],
  },
  {
    name: 'cooking',
    titles: ['Recipes', 'Lentil soup and bread', 'Dinner party menu', 'Kitchen notes'],
    sentences: [
      'For the lentil soup, soften onions and carrots, add red lentils, cumin and stock, and finish with lemon juice.',
      'The sourdough starter must be fed the evening before; bake the loaf at 240 degrees for forty minutes.',
      'The shopping list: eggs, flour, tomatoes, olive oil, coffee, rice, yoghurt and fresh herbs.',
      'The dinner party {d} is for six people; {p} is vegetarian and allergic to nuts.',
      'Tomato sauce freezes well in portions; label the jars with the date and use them within three months.',
      'The pressure cooker cooks chickpeas in {n} minutes without soaking them overnight.',
      'A pinch of salt in the coffee grounds takes away the bitterness of the cheap beans.',
      'The oven runs hot at the back; turn the tray halfway through baking.',
    ],
  },
  {
    name: 'family',
    titles: ['Family notes', 'Birthday planning', 'School letters', 'Visit of the grandparents'],
    sentences: [
      'Birthday present ideas for {p}: a book on astronomy, a board game or tickets for a concert.',
      'The school meeting {d} is about the class trip to {l}; sign the consent form and pay {n} euros.',
      '{p} is visiting {d}; prepare the guest room and plan a walk along the lake.',
      'Call grandmother on Sunday and send her the printed photos from the summer holiday.',
      'Piano lessons move to Wednesday afternoons from next month, with a recital before Christmas.',
      'The children want a dog; agree on who walks it in the morning before deciding anything.',
      'The swimming club needs a medical certificate and two photos before the season starts.',
    ],
  },
  {
    name: 'reading',
    titles: ['Reading list', 'Notes on a book', 'Article summaries', 'Lecture notes'],
    sentences: [
      'Books to read: a history of the Roman roads, a novel by {p} and a field guide to birds.',
      'The article about sleep says to keep the bedroom cool and avoid screens for an hour before bed.',
      'The podcast episode on personal finance recommended index funds with low fees.',
      'The lecture on climate argued that heat pumps and insulation matter most in old houses.',
      'Chapter {n} explains how medieval bridges were built without any mortar at all.',
      'The library holds the sequel; reserve it online and collect it within a week.',
      'An essay by {p} compares the railways of {l} with those of the rest of the continent.',
    ],
  },
  {
    name: 'energy',
    titles: ['Energy use at home', 'Solar panels', 'Electricity bills', 'Insulation project'],
    sentences: [
      'The solar panels produced {n} kilowatt hours last month, about half of what the house used.',
      'The electricity bill went up after the heat pump was installed, but the gas bill fell by two thirds.',
      'The energy audit recommends insulating the attic floor first, then the north wall.',
      'The inverter shows an error code when the grid voltage is too high on sunny afternoons.',
      'Run the dishwasher and the washing machine at noon when the panels produce the most.',
      'The installer {p} will come {d} to add a battery of ten kilowatt hours.',
      'A smart plug showed that the old freezer in the garage uses more than the fridge.',
    ],
  },
];

/**
 * Broad query strings for search benchmarks: words, pairs, phrases and names from every topic
 * (web-search syntax). The vocabulary is small, so each matches several percent of the texts.
 */
export const DOCUMENT_QUERIES = [
  'boiler pressure', 'radiator', 'gutters', 'thermostat', 'plumber quoted', 'smoke alarms',
  'tyre pressure', 'car service', 'winter tyres', 'insurance premium', 'windscreen wipers',
  'tomato seedlings', 'compost', 'apple tree pruning', 'herb spiral', 'rain barrel',
  'dentist appointment', 'prescription', 'blood test', 'knee physiotherapy', 'glasses',
  'flight', 'passport renewal', 'hotel breakfast', 'train tickets', 'museum pass',
  'tax return', 'budget', 'invoice reminder', 'savings interest', 'mortgage',
  'database migration', 'release checklist', 'postmortem', 'on-call', 'sequential scan',
  'backup rsync', 'python script', 'TLS certificate', 'router', 'SSD',
  'lentil soup', 'sourdough', 'dinner party vegetarian', 'pressure cooker',
  'birthday present', 'school trip', 'grandmother', 'piano',
  'roman roads', 'sleep screens', 'podcast', 'heat pumps insulation',
  'solar panels', 'electricity bill', 'inverter error',
  '"next week"', 'Geneva', 'Anna', 'Omar',
];

/**
 * Selective query strings: a number with the word it goes with in the texts ('347 euros',
 * 'chapter 12'), each matching a fraction of a percent of the texts.
 */
export const SELECTIVE_QUERIES = (() => {
  const rnd = seededRandom(5);
  const words = ['euros', 'litres', 'minutes', 'kilowatt hours', 'gigabytes', 'chapter', 'million rows', 'invoice'];
  return Array.from({ length: 60 }, (_, i) => `${words[i % words.length]} ${10 + Math.floor(rnd() * 990)}`);
})();

function filler(rnd) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  return (template) =>
    template
      .replace(/\{p\}/g, () => pick(PEOPLE))
      .replace(/\{d\}/g, () => pick(DAYS))
      .replace(/\{l\}/g, () => pick(PLACES))
      .replace(/\{n\}/g, () => String(10 + Math.floor(rnd() * 990)));
}

/**
 * Paragraphs of 3–5 sentences, mostly of `topic`, about 30% from other topics, until the text
 * reaches `targetChars`. Sentences do not repeat within one paragraph.
 */
function paragraphs(rnd, topic, targetChars) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const fill = filler(rnd);
  const out = [];
  let length = 0;
  while (length < targetChars) {
    const size = 3 + Math.floor(rnd() * 3);
    const used = new Set();
    const sentences = [];
    while (sentences.length < size) {
      const from = rnd() < 0.7 ? topic : pick(TOPICS);
      const template = pick(from.sentences);
      if (used.has(template)) continue;
      used.add(template);
      sentences.push(fill(template));
    }
    const paragraph = sentences.join(' ');
    out.push(paragraph);
    length += paragraph.length + 2;
  }
  return out;
}

/**
 * `count` documents `{ filename, text }` of about `targetBytes` UTF-8 bytes each (±10%): a title,
 * a dated reference line that makes every document unique, then paragraphs. Half are Markdown
 * (with a heading), half plain text.
 */
export function generateDocuments(count, { seed = 7, targetBytes = 2048 } = {}) {
  const rnd = seededRandom(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const docs = [];
  for (let i = 0; i < count; i++) {
    const topic = pick(TOPICS);
    const title = filler(rnd)(pick(topic.titles));
    const markdown = i % 2 === 0;
    const header = `${markdown ? '# ' : ''}${title}\n\nReference ${seed}-${i}, written ${pick(DAYS)} by ${pick(PEOPLE)}.\n\n`;
    const target = Math.round(targetBytes * (0.9 + rnd() * 0.2)) - header.length;
    let body = paragraphs(rnd, topic, target).join('\n\n');
    // Cut at the last sentence end within the target, so sizes stay close to it.
    if (body.length > target) {
      const cut = body.lastIndexOf('. ', target);
      if (cut > target / 2) body = body.slice(0, cut + 1);
    }
    docs.push({ filename: `doc-${String(i).padStart(5, '0')}.${markdown ? 'md' : 'txt'}`, text: `${header}${body}\n` });
  }
  return docs;
}

/**
 * `count` chunks as ingestion would store them: documents of 4–12 chunks of about `chunkChars`
 * characters each, with the document's title, the chunk's index and character range. The first n
 * chunks of a bigger set are the chunks of a smaller one (same seed), so a database can grow.
 * Yields arrays of at most `batch` chunks `{ documentIndex, title, index, start, end, text }`.
 */
export function* generateChunks(count, { seed = 11, chunkChars = 950, batch = 1000 } = {}) {
  const rnd = seededRandom(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  let made = 0;
  let documentIndex = 0;
  let pending = [];
  while (made < count) {
    const topic = pick(TOPICS);
    const title = filler(rnd)(pick(topic.titles));
    const chunksInDocument = Math.min(count - made, 4 + Math.floor(rnd() * 9));
    let start = 0;
    for (let index = 0; index < chunksInDocument; index++) {
      const target = Math.round(chunkChars * (0.85 + rnd() * 0.3));
      const text = paragraphs(rnd, topic, target).join('\n\n');
      pending.push({ documentIndex, title, index, start, end: start + text.length, text });
      start += text.length + 2;
      made++;
      if (pending.length === batch) {
        yield pending;
        pending = [];
      }
    }
    documentIndex++;
  }
  if (pending.length > 0) yield pending;
}
