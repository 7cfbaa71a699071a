// The light build of Bottleneck (no clustering) is what the Octokit plugins load; it has the full build's API.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
