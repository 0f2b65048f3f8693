// Deterministic, varied personal notes and the search queries run against them.
// Each topic has its own vocabulary, so a one-word query matches a few percent of the notes
// and a two-word query fewer: searches rank and snippet a realistic number of rows.

/** mulberry32: a small seeded PRNG, so every run stores the same notes. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = ['Anna', 'Marc', 'Julie', 'Tom', 'Sofia', 'Paul', 'Léa', 'David', 'Nina', 'the landlord', 'my sister', 'the neighbour'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'next week', 'in March', 'before the holidays'];
const PLACES = ['Lyon', 'Berlin', 'the office', 'the garage', 'the town hall', 'the hospital', 'the station', 'the market', 'Geneva', 'the cabin'];

const TOPICS = [
  {
    tags: ['house', 'maintenance'],
    titles: ['Boiler service', 'Leaking tap', 'Roof gutter', 'Heating settings', 'Window seals'],
    sentences: [
      'The boiler was serviced by {p} on {d}; the technician replaced the pressure valve.',
      'Radiator in the bedroom is cold again, bleed it and check the boiler pressure.',
      'Kitchen tap leaks under the sink; buy a new washer and a 15 mm compression fitting.',
      'Gutter on the north side is blocked with leaves, clean it {d} before the rain.',
      'Thermostat schedule: 19 degrees in the evening, 16 at night, heating off when away.',
      'The plumber quoted 240 euros to replace the water heater expansion tank.',
    ],
  },
  {
    tags: ['car'],
    titles: ['Car service', 'Winter tyres', 'Insurance renewal', 'Parking permit'],
    sentences: [
      'Tyre pressure should be 2.4 bar front and 2.2 bar rear with a full load.',
      'Book the car service at the garage {d}; oil change and brake pads are due.',
      'Winter tyres are stored at {l}; swap them when the temperature drops below 7 degrees.',
      'Car insurance renews {d}, compare quotes before accepting the new premium.',
      'The parking permit for the street expires at the end of the month, renew it online.',
    ],
  },
  {
    tags: ['garden'],
    titles: ['Tomato plants', 'Garden plan', 'Compost', 'Lawn'],
    sentences: [
      'Tomato seedlings need to be hardened off for a week before planting out.',
      'Plant garlic and broad beans in the raised bed {d}, the soil is still warm.',
      'Compost heap is too wet, add cardboard and turn it with the fork.',
      'Mow the lawn high during the dry weeks and water the hedge in the evening.',
      'The apple tree needs pruning in winter; cut crossing branches and water shoots.',
      '{p} gave us cuttings of rosemary and lavender for the herb garden.',
    ],
  },
  {
    tags: ['health'],
    titles: ['Dentist', 'Doctor appointment', 'Prescriptions', 'Running plan'],
    sentences: [
      'Dentist appointment {d} at 9:30, bring the insurance card.',
      'Renew the prescription for the allergy medication before the pharmacy closes on Saturday.',
      'Blood test results are normal, the doctor wants a follow-up in six months.',
      'Running plan: three easy runs a week, one long run on Sunday, rest on Monday.',
      'Physiotherapy for the knee every Thursday; do the stretching exercises daily.',
    ],
  },
  {
    tags: ['travel'],
    titles: ['Trip to {l}', 'Flight details', 'Packing list', 'Passport'],
    sentences: [
      'Flight to {l} leaves {d} at 07:15, check in online the day before.',
      'Passport expires next year; renewal at the town hall takes about six weeks.',
      'Packing list: chargers, adapters, rain jacket, walking shoes, travel insurance papers.',
      'The hotel in {l} is booked for three nights, breakfast included, late checkout requested.',
      'Train tickets to {l} are cheaper if booked a month ahead; use the rail card.',
    ],
  },
  {
    tags: ['finance'],
    titles: ['Tax return', 'Budget', 'Invoices', 'Savings'],
    sentences: [
      'The tax return is due {d}; gather the bank statements and the charity receipts.',
      'Monthly budget: rent, groceries, electricity, internet, transport and savings transfer.',
      'Invoice 2024-117 from the electrician is still unpaid, send a reminder to {p}.',
      'Move the emergency savings to the account with the better interest rate.',
      'Cancel the unused streaming subscription before the next billing date.',
    ],
  },
  {
    tags: ['work'],
    titles: ['Meeting notes', 'Project plan', 'Release checklist', 'One-to-one'],
    sentences: [
      'Meeting with {p} {d}: agreed to ship the release after the database migration.',
      'Project plan: finish the API review, then the load tests, then the deployment guide.',
      'Release checklist: run the tests, tag the version, update the changelog, announce it.',
      'The deployment failed because the migration timed out on the large table.',
      'One-to-one with {p}: discuss the on-call rota and the training budget.',
      'Write the postmortem for the outage and list the follow-up actions.',
    ],
  },
  {
    tags: ['code'],
    titles: ['Python script', 'Server setup', 'Backup job', 'Git tips'],
    sentences: [
      'The backup script runs nightly with rsync to the NAS; check the logs for errors.',
      'Python script to rename photos by date uses the EXIF timestamp.',
      'Server setup: install PostgreSQL, configure the firewall, enable automatic updates.',
      'Git tip: use rebase for local branches and never force push the main branch.',
      'The Raspberry Pi at {l} runs the home automation and the media server.',
      'Renew the TLS certificate for the home server before it expires {d}.',
    ],
  },
  {
    tags: ['cooking'],
    titles: ['Recipe: lentil soup', 'Bread', 'Shopping list', 'Dinner party'],
    sentences: [
      'Lentil soup: onions, carrots, red lentils, cumin, lemon juice at the end.',
      'Sourdough bread needs the starter fed the evening before; bake at 240 degrees.',
      'Shopping list: eggs, flour, tomatoes, olive oil, coffee, rice and yoghurt.',
      'Dinner party {d} for six people; {p} is vegetarian and allergic to nuts.',
      'The tomato sauce freezes well in portions; label the jars with the date.',
    ],
  },
  {
    tags: ['family'],
    titles: ['Birthday ideas', 'School', 'Family visit', 'Gifts'],
    sentences: [
      'Birthday present ideas for {p}: a book on astronomy, a board game, concert tickets.',
      'School meeting {d} about the class trip to {l}; sign the consent form.',
      '{p} is visiting {d}; prepare the guest room and plan a walk by the lake.',
      'Call grandmother on Sunday and send the photos from the summer.',
      'Piano lessons move to Wednesday afternoons from next month.',
    ],
  },
  {
    tags: ['reading', 'ideas'],
    titles: ['Books to read', 'Article notes', 'Ideas', 'Podcast'],
    sentences: [
      'Books to read: a history of the Roman roads, a novel by {p}, a guide to birds.',
      'Article about sleep: keep the bedroom cool and avoid screens an hour before bed.',
      'Idea: a small app to track the garden watering and the weather forecast.',
      'Podcast episode on personal finance recommended index funds and low fees.',
      'Notes from the lecture on climate: heat pumps and insulation matter most at home.',
    ],
  },
];

/** Query strings: single words, pairs and phrases, from every topic (web-search syntax). */
export const QUERIES = [
  'boiler', 'boiler pressure', 'radiator', 'tap leak', 'gutter', 'heating', 'plumber',
  'tyre pressure', 'car service', 'winter tyres', 'insurance', 'parking permit', 'brake pads',
  'tomato', 'garlic', 'compost', 'lawn', 'apple tree', 'herb garden',
  'dentist', 'prescription', 'blood test', 'running', 'knee',
  'flight', 'passport renewal', 'packing list', 'hotel', 'train tickets',
  'tax return', 'budget', 'invoice', 'savings', 'subscription',
  'meeting', 'release', 'deployment migration', 'postmortem', 'on-call',
  'backup', 'python script', 'server', 'git', 'certificate',
  'lentil soup', 'bread', 'shopping list', 'dinner vegetarian',
  'birthday', 'school trip', 'grandmother', 'piano',
  'books', 'sleep', 'podcast', 'heat pumps', 'weather',
  '"next week"', 'Lyon', 'Anna', 'Sunday',
];

function fill(template, rnd) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  return template.replace(/\{p\}/g, () => pick(PEOPLE)).replace(/\{d\}/g, () => pick(DAYS)).replace(/\{l\}/g, () => pick(PLACES));
}

/** `count` notes `{ title, text, tags }`: 2–5 sentences of one topic, sometimes one of another. */
export function generateNotes(count, seed = 42) {
  const rnd = seededRandom(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const notes = [];
  for (let i = 0; i < count; i++) {
    const topic = pick(TOPICS);
    const sentences = [];
    const n = 2 + Math.floor(rnd() * 4);
    for (let s = 0; s < n; s++) sentences.push(fill(pick(topic.sentences), rnd));
    if (rnd() < 0.3) sentences.push(fill(pick(pick(TOPICS).sentences), rnd));
    const tags = topic.tags.slice(0, 1 + Math.floor(rnd() * topic.tags.length));
    notes.push({ title: fill(pick(topic.titles), rnd), text: sentences.join(' '), tags });
  }
  return notes;
}
