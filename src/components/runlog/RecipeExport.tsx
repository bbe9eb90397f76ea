import { studioActions } from '../../bridge/bridge';
import { recipeCommand } from '../../recipe';
import { useStudio } from '../../store/store';

/** The recipe for runs that outgrow the browser: recipe.json and the PyTorch command to run it. */
export function RecipeExport() {
  const config = useStudio((state) => state.jobConfig ?? state.config);
  const limits = useStudio((state) => state.limits);
  const dataset = useStudio((state) => state.dataset);
  const kind = dataset?.kind ?? 'cifar10';
  return (
    <details className="small" data-tour="recipe-export">
      <summary>Train it in PyTorch (GPU servers, torchrun)</summary>
      <p>
        <button type="button" data-testid="export-recipe" onClick={studioActions.exportRecipe}>
          Export recipe
        </button>{' '}
        saves <code>recipe.json</code>: every setting of this run. With the project&apos;s{' '}
        <code>python/</code> folder on a machine with PyTorch, this trains it (more GPUs or nodes:{' '}
        <code>python/README.md</code>) and writes a <code>run-log.jsonl</code> to open here:
      </p>
      <pre className="command" data-testid="recipe-command">
        {recipeCommand(config, { kind, name: dataset?.name, folder: dataset?.folder, ...limits })}
      </pre>
      {kind === 'builtin' && (
        <p className="muted">
          The built-in images are drawn in the browser; the command trains on CIFAR-10 instead.
        </p>
      )}
    </details>
  );
}
