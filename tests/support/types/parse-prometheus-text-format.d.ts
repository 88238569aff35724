// The parser ships without types: it returns one entry per metric family, with its samples.
declare module 'parse-prometheus-text-format' {
  export default function parse(text: string): { name: string; help: string; type: string; metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[] }[];
}
