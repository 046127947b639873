// The console interpreter in-process (no daemon): the expression grammar (precedence, if/else if,
// blocks, lambdas, collections, strings), the static pass that rejects unknown members and
// parameters before anything runs, and runtime errors.
import { describe, expect, test } from 'vitest';
import type { ConsoleHost } from './src/api.js';
import { parseScript } from './src/ast.js';
import { CompileError, Interp, ScriptRuntimeError } from './src/interp.js';

/** A console whose nodes answer from an in-memory model: enough for parties and connections. */
function fakeHost() {
  const printed: string[] = [];
  const calls: string[] = [];
  const registered = new Set<string>();
  const parties: Record<string, string[]> = { participant1: [], participant2: [] };
  const host: ConsoleHost = {
    nodes: [
      { name: 'sequencer1', kind: 'sequencer', local: true },
      { name: 'participant1', kind: 'participant', local: true },
      { name: 'participant2', kind: 'participant', local: true },
    ],
    boundedMs: 200,
    print: (l) => { printed.push(l); },
    startLocal: async () => {},
    async rpc(node, op, args) {
      calls.push(`${node}:${op}`);
      const uid = `${node}::1220${'ab'.repeat(32)}`;
      switch (op) {
        case 'id': return uid;
        case 'participant.is_registered': return registered.has(`${node}/${String(args.alias)}`);
        case 'participant.connect_local': registered.add(`${node}/${String(args.alias)}`); return null;
        case 'participant.active': return registered.has(`${node}/${String(args.alias)}`);
        case 'participant.parties.enable': { const id = `${String(args.name)}::1220${'cd'.repeat(32)}`; parties[node]!.push(id); return id; }
        case 'participant.parties.list': {
          const rows: unknown[] = [];
          for (const [n, ids] of Object.entries(parties)) {
            for (const id of ids) {
              const puid = `${n}::1220${'ab'.repeat(32)}`;
              if (!id.startsWith(String(args.filterParty ?? ''))) continue;
              if (args.filterParticipant && !puid.startsWith(String(args.filterParticipant))) continue;
              rows.push({ party: id, participants: [{ participantUid: puid, permission: 'Submission' }] });
            }
          }
          return rows;
        }
        default: throw new Error(`fake host: unexpected op ${op}`);
      }
    },
  };
  return { host, printed, calls, parties, registered };
}

async function run(src: string, h = fakeHost()) {
  await new Interp(h.host).runScript(src);
  return h;
}
const out = async (src: string) => (await run(src)).printed;

describe('expressions', () => {
  test.each([
    ['1 + 2 * 3', '7'],
    ['(1 + 2) * 3', '9'],
    ['10 - 4 - 3', '3'],
    ['7 / 2 + 7 % 2', '4'],
    ['true || false && false', 'true'],
    ['(true || false) && false', 'false'],
    ['!true || true', 'true'],
    ['!(true || true)', 'false'],
    ['1 + 1 == 2 && 3 > 2', 'true'],
    ['1 < 2 == true', 'true'],
    ['"a" + 1 + 2', 'a12'],
    ['1 + 2 + "a"', '3a'],
    ['"x" == "x" && "x" != "y"', 'true'],
    ['-3 + 5', '2'],
    ['("ab" + "cd").startsWith("abc")', 'true'],
    ['s"${1 + 1}-${"q".toUpperCase}" + "!"', '2-Q!'],
    ['if (1 > 2) "a" else if (2 > 1) "b" else "c"', 'b'],
    ['if (false) "a" else if (false) "b" else "c"', 'c'],
    ['{ val a = 2; val b = a * 3; a + b }', '8'],
    ['{ val f = (x: Int) => x + 1; f(41) }', '42'],
    ['{ val g = (a, b) => a * b; g(6, 7) }', '42'],
    ['Seq(1, 2, 3).map(_ * 2).filter(x => x > 2).mkString(",")', '4,6'],
    ['Seq(1, 2, 3).exists(_ == 2) && !Seq(1).isEmpty && Seq(1).nonEmpty', 'true'],
    ['Seq(1, 2, 3).size + Seq().size', '3'],
    ['Seq(5, 6).headOption.getOrElse(0) + Seq[Int]().headOption.getOrElse(7)', '12'],
    ['Seq("a", "b").find(_ == "c").isEmpty', 'true'],
    ['Some(3).map(_ + 1).getOrElse(0)', '4'],
    ['Seq(Seq(1), Seq(2, 3)).flatMap(x => x).size', '3'],
  ])('%s → %s', async (e, want) => {
    expect(await out(`println(${e})`)).toEqual([want]);
  });

  test('if/else if statements across lines, and Unit branches', async () => {
    const p = await out(`
val n = 2
if (n == 1) println("one")
else if (n == 2) println("two")
else println("many")
if (n == 3) println("three")
println("end")
`);
    expect(p).toEqual(['two', 'end']);
  });

  test('blocks as statements have their own scope; foreach and lambdas see outer vals', async () => {
    const p = await out(`
val prefix = "p"

{
  val x = prefix + "1"
  println(x)
}
{
  val x = prefix + "2"
  Seq(1, 2).foreach(i => println(x + i))
}
`);
    expect(p).toEqual(['p1', 'p21', 'p22']);
  });

  test('getOrElse is lazy: the default runs only when the option is empty', async () => {
    const h = await run(`
val a = Seq(1).headOption.getOrElse(participant1.parties.enable("Never"))
val b = Seq[Int]().headOption.getOrElse(participant1.parties.enable("Once"))
println(b.toLf)
`);
    expect(h.calls).toEqual(['participant1:participant.parties.enable']);
    expect(h.printed[0]).toMatch(/^Once::1220/);
  });

  test("the product's idempotent party block: enable on the first run, hosted finds it on the second", async () => {
    const block = `{
  val existing = participant1.parties.hosted(filterParty = "Issuer").map(_.party).filter(id => s"\${id.toLf}".startsWith("Issuer" + "::"))
  val party = existing.headOption.getOrElse(participant1.parties.enable("Issuer"))
  println("CANTON_MPC_PARTY \\"Issuer\\" " + party.toLf)
}
`;
    const h = fakeHost();
    h.parties.participant2!.push(`Issuer::1220${'ef'.repeat(32)}`); // same hint, other participant: not hosted here
    h.parties.participant1!.push(`IssuerX::1220${'ef'.repeat(32)}`); // prefix match only
    await run(block, h);
    expect(h.calls.filter((c) => c.endsWith('parties.enable'))).toHaveLength(1);
    await run(block, h);
    expect(h.calls.filter((c) => c.endsWith('parties.enable'))).toHaveLength(1);
    expect(h.printed).toEqual([`CANTON_MPC_PARTY "Issuer" Issuer::1220${'cd'.repeat(32)}`, `CANTON_MPC_PARTY "Issuer" Issuer::1220${'cd'.repeat(32)}`]);
  });

  test('connect block: connect_local only while not registered', async () => {
    const script = `if (!participant1.synchronizers.is_registered("da")) participant1.synchronizers.connect_local(sequencer1, "da")
else if (!participant1.synchronizers.active("da")) participant1.synchronizers.reconnect("da")
`;
    const h = await run(script);
    await run(script, h);
    expect(h.calls.filter((c) => c.endsWith('connect_local'))).toHaveLength(1);
    expect(h.calls.filter((c) => c.endsWith('is_registered'))).toHaveLength(2);
  });
});

describe('compile errors: nothing runs', () => {
  test.each([
    ['participant1.synchronizers.is_registerd("da")', /value is_registerd is not a member of participant1.synchronizers/],
    ['participant1.parties.hosted(filterPartyy = "x")', /unknown parameter name: filterPartyy/],
    ['Seq(1).map(x => participant1.partiez.enable("x"))', /value partiez is not a member/],
    ['if (true) println(nope) else println(1)', /not found: value nope/],
    ['{ val a = 1 }\nprintln(a)', /not found: value a/],
    ['("a" + "b").startWith("a")', /value startWith is not a member of/],
    ['(1 == 1).foo', /value foo is not a member of/],
    ['println(1 +)', /illegal start of simple expression/],
    ['if (true println(1)', /'\)' expected/],
  ])('%s', async (src, msg) => {
    const h = fakeHost();
    const err = await run(`println("before")\nparticipant1.parties.enable("Early")\n${src}\n`, h).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CompileError);
    expect((err as Error).message).toMatch(msg);
    expect(h.printed).toEqual([]);
    expect(h.calls).toEqual([]);
  });
});

describe('runtime errors', () => {
  test.each([
    ['Seq[Int]().headOption.get', /None.get/],
    ['participant1.synchronizers.reconnect("da")', /unexpected op participant.reconnect/],
    ['utils.retry_until_true { participant1.synchronizers.active("nope") }', /Condition never became true/],
  ])('%s', async (src, msg) => {
    const h = fakeHost();
    const err = await run(`println("before")\n${src}\nprintln("after")\n`, h).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(msg);
    expect(h.printed).toEqual(['before']);
  });

  test('ScriptRuntimeError carries the statement position', async () => {
    const err = await run('println(1)\n\nSeq[Int]().headOption.get\n').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptRuntimeError);
    expect((err as Error).message).toMatch(/^\(console\):3:1: /);
  });
});

test('a long script (100 party blocks) parses into one statement per block', () => {
  const block = (i: number) => `{\n  val existing = participant1.parties.hosted(filterParty = "P${i}").map(_.party).filter(id => s"\${id.toLf}".startsWith("P${i}" + "::"))\n  val party = existing.headOption.getOrElse(participant1.parties.enable("P${i}"))\n  println("X " + party.toLf)\n}\n`;
  const src = Array.from({ length: 100 }, (_, i) => block(i)).join('');
  expect(parseScript(src)).toHaveLength(100);
});

describe('newlines, as scalac infers them', () => {
  test('a block statement after a statement is a new statement; blank lines and block ends separate', async () => {
    const p = await out(`println("a")

{
  println("b")
}
{
  println("c")
}
if (true)
  println("d")
else
  println("e")
if (false) { println("f") }
{ println("g") }
`);
    expect(p).toEqual(['a', 'b', 'c', 'd', 'g']);
  });

  test('f(args) and a block on the next line with no blank line: one application, as scalac reads it', async () => {
    for (const src of ['println("a")\n{ println("b") }\n', 'val p = "p"\n{ println("b") }\n']) {
      const h = fakeHost();
      const err = await run(src, h).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/does not take parameters|type mismatch|expected Int/);
      expect(h.printed).toEqual([]);
    }
  });

  test('method chains continued with a leading dot, and an argument block on the next line', async () => {
    expect(await out('println(Seq(1, 2, 3)\n  .map(_ + 1)\n  .filter(_ > 2)\n  .size)\nutils.retry_until_true\n{ true }\nprintln("ok")')).toEqual(['2', 'ok']);
  });
});
